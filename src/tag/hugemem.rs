//! Byte tables on transparent huge pages: the tagger's weight rows (a few megabytes read at
//! random, a row or two per feature of a case) sit in an anonymous mapping
//! ([`memmap2::MmapMut::map_anon`]), 2 MiB-aligned and advised `MADV_HUGEPAGE`, so their
//! reads need a handful of TLB entries instead of one per 4 kB page (page walks are dear,
//! more so in a virtual machine). Elsewhere than Linux, for small tables, or when the mapping
//! fails, a plain vector holds them (64-byte aligned).

/// A zero-initialised byte table, on huge pages where the system gives them.
pub struct HugeBytes {
    /// The memory holding the table, from byte `start` on.
    buf: Buf,
    start: usize,
    len: usize,
}

enum Buf {
    #[cfg(target_os = "linux")]
    Map(memmap2::MmapMut),
    Vec(Vec<u8>),
}

#[cfg(target_os = "linux")]
const HUGE: usize = 2 << 20;

impl HugeBytes {
    /// `len` zero bytes, 64-byte aligned at least.
    pub fn zeroed(len: usize) -> HugeBytes {
        #[cfg(target_os = "linux")]
        if len >= HUGE / 2 {
            // one huge page more than needed, so that a 2 MiB boundary starts the table
            if let Ok(map) = memmap2::MmapMut::map_anon(len.div_ceil(HUGE) * HUGE + HUGE) {
                let start = map.as_ptr().align_offset(HUGE);
                // a hint: when it fails, the table is on ordinary pages
                let _ =
                    map.advise_range(memmap2::Advice::HugePage, start, len.div_ceil(HUGE) * HUGE);
                return HugeBytes {
                    buf: Buf::Map(map),
                    start,
                    len,
                };
            }
        }
        // a vector of 64-byte lines keeps the alignment
        let vec = vec![0u8; len + 64];
        let start = vec.as_ptr().align_offset(64);
        HugeBytes {
            buf: Buf::Vec(vec),
            start,
            len,
        }
    }

    pub fn as_slice(&self) -> &[i8] {
        let bytes = match &self.buf {
            #[cfg(target_os = "linux")]
            Buf::Map(m) => &m[self.start..][..self.len],
            Buf::Vec(v) => &v[self.start..][..self.len],
        };
        // SAFETY: u8 and i8 have the same size and alignment, and every bit pattern is valid.
        unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast(), bytes.len()) }
    }

    pub fn as_mut_slice(&mut self) -> &mut [i8] {
        let bytes = match &mut self.buf {
            #[cfg(target_os = "linux")]
            Buf::Map(m) => &mut m[self.start..][..self.len],
            Buf::Vec(v) => &mut v[self.start..][..self.len],
        };
        // SAFETY: as in as_slice, borrowed mutably through self.
        unsafe { std::slice::from_raw_parts_mut(bytes.as_mut_ptr().cast(), bytes.len()) }
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
            #[cfg(target_os = "linux")]
            if len >= HUGE / 2 {
                assert!(matches!(t.buf, Buf::Map(_)));
                assert_eq!(t.as_slice().as_ptr() as usize % HUGE, 0);
            }
            if len > 0 {
                t.as_mut_slice()[len - 1] = 7;
                assert_eq!(t.clone().as_slice()[len - 1], 7);
            }
        }
    }
}
