//! Output files (`--out`) written safely: the bytes go to a temporary file in the target's
//! directory, which is synced and then renamed over the target, so a full disk or a killed
//! process leaves the old file whole; and a target that is one of the run's input files or
//! lies inside the case store is refused before anything is written.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why an output file was not written.
#[derive(Debug, thiserror::Error)]
pub enum OutError {
    #[error("拒绝写入 {0}：它是本次运行的输入文件（换一个 --out）")]
    IsInput(PathBuf),
    #[error("拒绝写入 {path}：它在案件库目录 {index} 之内（换一个 --out）")]
    InsideIndex { path: PathBuf, index: PathBuf },
    #[error("拒绝写入 {0}：它是一个目录")]
    IsDir(PathBuf),
    #[error("磁盘已满，未能写入 {0}（原有文件未改动）")]
    DiskFull(PathBuf),
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What an output must not overwrite.
#[derive(Debug, Default, Clone)]
pub struct Protected {
    /// Input files of the run.
    pub inputs: Vec<PathBuf>,
    /// Directories (the case store) no output may be written into.
    pub dirs: Vec<PathBuf>,
}

/// `path` made absolute and resolved as far as it exists (a target that does not exist yet is
/// its resolved parent joined with its name).
fn resolved(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (abs.parent(), abs.file_name()) {
        (Some(parent), Some(name)) => resolved(parent).join(name),
        _ => abs,
    }
}

/// Refuses `target` when it is a protected input or inside a protected directory.
pub fn check_target(target: &Path, protected: &Protected) -> Result<(), OutError> {
    if target.is_dir() {
        return Err(OutError::IsDir(target.to_path_buf()));
    }
    let t = resolved(target);
    if protected.inputs.iter().any(|i| resolved(i) == t) {
        return Err(OutError::IsInput(target.to_path_buf()));
    }
    if let Some(d) = protected.dirs.iter().find(|d| t.starts_with(resolved(d))) {
        return Err(OutError::InsideIndex {
            path: target.to_path_buf(),
            index: d.clone(),
        });
    }
    Ok(())
}

fn io_error(path: &Path, e: std::io::Error) -> OutError {
    if e.kind() == std::io::ErrorKind::StorageFull || e.raw_os_error() == Some(28) {
        OutError::DiskFull(path.to_path_buf())
    } else {
        OutError::Io {
            path: path.to_path_buf(),
            source: e,
        }
    }
}

/// Writes `bytes` to `target` through a temporary file and a rename, after [`check_target`].
pub fn write(target: &Path, bytes: &[u8], protected: &Protected) -> Result<(), OutError> {
    check_target(target, protected)?;
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".hotline-out-")
        .tempfile_in(&dir)
        .map_err(|e| io_error(target, e))?;
    keep_permissions(tmp.as_file(), target);
    write_all(tmp.as_file_mut(), bytes).map_err(|e| io_error(target, e))?;
    tmp.persist(target).map_err(|e| io_error(target, e.error))?;
    Ok(())
}

/// Gives the temporary file the mode of the file it replaces, else an ordinary file's `0644`
/// (a temporary file is created `0600`).
fn keep_permissions(file: &std::fs::File, target: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let perms = std::fs::metadata(target)
            .map(|m| m.permissions())
            .unwrap_or_else(|_| std::fs::Permissions::from_mode(0o644));
        // Best effort: a mode that cannot be set leaves the file readable by its owner.
        let _ = file.set_permissions(perms);
    }
    #[cfg(not(unix))]
    let _ = (file, target);
}

fn write_all(file: &mut std::fs::File, bytes: &[u8]) -> std::io::Result<()> {
    file.write_all(bytes)?;
    file.flush()?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_and_the_index_are_refused_and_the_rest_is_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("src.csv");
        std::fs::write(&input, "编号,诉求内容\n").unwrap();
        let index = dir.path().join("idx");
        std::fs::create_dir(&index).unwrap();
        let p = Protected {
            inputs: vec![input.clone()],
            dirs: vec![index.clone()],
        };
        // The same file by another spelling is still the input.
        let other = dir.path().join("idx/../src.csv");
        assert!(matches!(write(&other, b"x", &p), Err(OutError::IsInput(_))));
        assert_eq!(std::fs::read(&input).unwrap(), "编号,诉求内容\n".as_bytes());
        let inside = index.join("meta.json");
        assert!(matches!(
            write(&inside, b"x", &p),
            Err(OutError::InsideIndex { .. })
        ));
        assert!(!inside.exists());
        let out = dir.path().join("r.md");
        write(&out, b"old", &p).unwrap();
        write(&out, b"new", &p).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"new");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 3, "{left:?}");
    }
}
