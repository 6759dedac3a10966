//! Byte tables on transparent huge pages: the tagger's weight rows (a few megabytes read at
//! random, a row or two per feature of a case) are mapped 2 MiB-aligned with
//! `MADV_HUGEPAGE`, so their reads need a handful of TLB entries instead of one per 4 kB
//! page (page walks are dear, more so in a virtual machine). Elsewhere, or when the mapping
//! fails, a plain vector holds them.

/// A zero-initialised byte table, on huge pages where the system gives them.
pub struct HugeBytes {
    ptr: *mut i8,
    len: usize,
    /// The mapping to unmap (start, length); None when `vec` holds the table.
    #[cfg(target_os = "linux")]
    map: Option<(*mut libc::c_void, usize)>,
    vec: Vec<i8>,
}

// SAFETY: the table is plain bytes owned by this value (a private mapping or a vector).
unsafe impl Send for HugeBytes {}
// SAFETY: shared access only reads.
unsafe impl Sync for HugeBytes {}

const HUGE: usize = 2 << 20;

impl HugeBytes {
    /// `len` zero bytes, 64-byte aligned at least.
    pub fn zeroed(len: usize) -> HugeBytes {
        #[cfg(target_os = "linux")]
        if len >= HUGE / 2 {
            let map_len = len.div_ceil(HUGE) * HUGE + HUGE;
            // SAFETY: an anonymous private mapping; checked for failure below.
            let p = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    map_len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                )
            };
            if p != libc::MAP_FAILED {
                let start = (p as usize).div_ceil(HUGE) * HUGE;
                // SAFETY: [start, start + len) lies in the mapping; the advice is a hint
                // (its failure leaves ordinary pages).
                unsafe {
                    libc::madvise(
                        start as *mut libc::c_void,
                        len.div_ceil(HUGE) * HUGE,
                        libc::MADV_HUGEPAGE,
                    );
                }
                return HugeBytes {
                    ptr: start as *mut i8,
                    len,
                    map: Some((p, map_len)),
                    vec: Vec::new(),
                };
            }
        }
        // a vector of 64-byte lines keeps the alignment
        let mut vec = vec![0i8; len + 64];
        let off = vec.as_ptr().align_offset(64);
        let ptr = vec.as_mut_ptr().wrapping_add(off);
        HugeBytes {
            ptr,
            len,
            #[cfg(target_os = "linux")]
            map: None,
            vec,
        }
    }

    pub fn as_slice(&self) -> &[i8] {
        // SAFETY: ptr..ptr+len is owned, initialised (zeroed) memory.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    pub fn as_mut_slice(&mut self) -> &mut [i8] {
        // SAFETY: as above, borrowed mutably through self.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

impl std::ops::Deref for HugeBytes {
    type Target = [i8];
    fn deref(&self) -> &[i8] {
        self.as_slice()
    }
}

impl std::ops::DerefMut for HugeBytes {
    fn deref_mut(&mut self) -> &mut [i8] {
        self.as_mut_slice()
    }
}

impl Clone for HugeBytes {
    fn clone(&self) -> HugeBytes {
        let mut c = HugeBytes::zeroed(self.len);
        c.as_mut_slice().copy_from_slice(self.as_slice());
        c
    }
}

impl std::fmt::Debug for HugeBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HugeBytes({} bytes)", self.len)
    }
}

impl Drop for HugeBytes {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        if let Some((p, n)) = self.map {
            // SAFETY: the mapping made in zeroed, unmapped once.
            unsafe { libc::munmap(p, n) };
        }
        let _ = &self.vec;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_zeroed_aligned_and_clone() {
        for len in [0, 100, 3 << 20] {
            let mut t = HugeBytes::zeroed(len);
            assert_eq!(t.as_slice().len(), len);
            assert!(t.as_slice().iter().all(|&b| b == 0));
            assert_eq!(t.as_slice().as_ptr() as usize % 64, 0);
            if len > 0 {
                t.as_mut_slice()[len - 1] = 7;
                assert_eq!(t.clone().as_slice()[len - 1], 7);
            }
        }
    }
}
