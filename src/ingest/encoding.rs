//! Text encoding detection for exports: UTF-8, UTF-8 with a BOM, UTF-16 with a BOM, and the
//! legacy Chinese encodings (GBK / GB18030, also Big5) that Excel on a Chinese Windows writes.
//! Detection never asks: a BOM decides, else valid UTF-8, else mostly-valid UTF-8 (a few
//! broken rows), else chardetng's guess checked against GB18030.

use std::borrow::Cow;

use encoding_rs::{Encoding, GB18030, GBK, UTF_16BE, UTF_16LE, UTF_8};

/// The encoding of a file and the length of its byte-order mark.
#[derive(Debug, Clone, Copy)]
pub struct Detected {
    pub encoding: &'static Encoding,
    pub bom_len: usize,
}

impl Detected {
    /// The bytes of `file` after the byte-order mark, as the readers split them, with the
    /// encoding they are in: UTF-16 is decoded to UTF-8 whole first, since its `\n` is two
    /// bytes and a byte-wise split into lines or records would cut it off its alignment.
    pub fn body<'a>(&self, file: &'a [u8]) -> (Cow<'a, [u8]>, Detected) {
        let rest = file.get(self.bom_len..).unwrap_or_default();
        if self.is_utf16() {
            let utf8 = Detected {
                encoding: encoding_rs::UTF_8,
                bom_len: 0,
            };
            let text = self.decode_lossy(rest).into_owned();
            (Cow::Owned(text.into_bytes()), utf8)
        } else {
            (Cow::Borrowed(rest), *self)
        }
    }

    /// A name for summaries: `UTF-8`, `UTF-8 (BOM)`, `GB18030` ...
    pub fn name(&self) -> String {
        if self.bom_len > 0 {
            format!("{} (BOM)", self.encoding.name())
        } else {
            self.encoding.name().to_string()
        }
    }

    /// UTF-16 files are transcoded whole before parsing (their bytes are not ASCII-compatible).
    pub fn is_utf16(&self) -> bool {
        self.encoding == UTF_16LE || self.encoding == UTF_16BE
    }

    /// Decodes one field; `None` when it holds a byte sequence invalid in this encoding.
    pub fn decode<'a>(&self, bytes: &'a [u8]) -> Option<Cow<'a, str>> {
        if self.encoding == UTF_8 {
            std::str::from_utf8(bytes).ok().map(Cow::Borrowed)
        } else {
            self.encoding
                .decode_without_bom_handling_and_without_replacement(bytes)
        }
    }

    /// Decodes, replacing invalid sequences with U+FFFD.
    pub fn decode_lossy<'a>(&self, bytes: &'a [u8]) -> Cow<'a, str> {
        self.encoding.decode_without_bom_handling(bytes).0
    }
}

/// Lines holding non-ASCII bytes that decode (first) and fail to decode (second).
fn line_validity(bytes: &[u8], enc: &'static Encoding) -> (usize, usize) {
    let (mut ok, mut bad) = (0, 0);
    for line in bytes.split(|&b| b == b'\n') {
        if line.is_ascii() {
            continue;
        }
        let valid = if enc == UTF_8 {
            std::str::from_utf8(line).is_ok()
        } else {
            enc.decode_without_bom_handling_and_without_replacement(line)
                .is_some()
        };
        if valid {
            ok += 1;
        } else {
            bad += 1;
        }
    }
    (ok, bad)
}

/// UTF-16 without a byte-order mark: the ASCII of a delimited file or a report (delimiters,
/// line breaks, digits) puts a zero byte in every other position, on one side only; the
/// sample must also decode without errors.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(1 << 16) & !1];
    if sample.len() < 8 {
        return None;
    }
    let pairs = sample.len() / 2;
    let zeros_at = |parity: usize| {
        sample
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (zeros_at(0), zeros_at(1));
    let encoding = if odd * 10 >= pairs && even * 20 < odd {
        UTF_16LE
    } else if even * 10 >= pairs && odd * 20 < even {
        UTF_16BE
    } else {
        return None;
    };
    // At most one error: the sample's cut may split a surrogate pair.
    let (text, _) = encoding.decode_without_bom_handling(sample);
    (text.matches('\u{fffd}').count() <= 1).then_some(encoding)
}

/// Detects the encoding of a whole file's bytes.
pub fn detect(bytes: &[u8]) -> Detected {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return Detected { encoding, bom_len };
    }
    if let Some(encoding) = utf16_without_bom(bytes) {
        return Detected {
            encoding,
            bom_len: 0,
        };
    }
    if std::str::from_utf8(bytes).is_ok() {
        return Detected {
            encoding: UTF_8,
            bom_len: 0,
        };
    }
    // A UTF-8 file with a few corrupt rows stays UTF-8 (those rows get rejected); legacy
    // Chinese text is almost never valid UTF-8 line by line.
    let (ok8, bad8) = line_validity(bytes, UTF_8);
    if ok8 > 0 && ok8 >= 3 * bad8 {
        return Detected {
            encoding: UTF_8,
            bom_len: 0,
        };
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(bytes, true);
    let guess = det.guess(Some(b"cn"), chardetng::Utf8Detection::Deny);
    // GBK and GB18030 decode identically in encoding_rs; name it by the superset.
    let guess = if guess == GBK { GB18030 } else { guess };
    let encoding = if guess == GB18030 {
        GB18030
    } else {
        let (_, bad_guess) = line_validity(bytes, guess);
        let (_, bad_gb) = line_validity(bytes, GB18030);
        if bad_guess < bad_gb {
            guess
        } else {
            GB18030
        }
    };
    Detected {
        encoding,
        bom_len: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_boms_utf8_and_gbk() {
        let text = "编号,诉求内容\n1,小区门口路灯不亮已经一个星期了\n2,楼下餐馆油烟扰民\n";
        assert_eq!(detect(text.as_bytes()).encoding, UTF_8);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        let d = detect(&bom);
        assert_eq!((d.encoding, d.bom_len), (UTF_8, 3));
        let (gbk, _, _) = GBK.encode(text);
        let d = detect(&gbk);
        assert_eq!(d.encoding, GB18030);
        assert_eq!(d.decode(&gbk).unwrap(), text);
    }

    #[test]
    fn a_few_broken_utf8_lines_stay_utf8() {
        let mut bytes = "编号,诉求内容\n1,小区门口路灯不亮\n2,楼下餐馆油烟扰民\n3,噪音\n"
            .as_bytes()
            .to_vec();
        bytes.extend_from_slice(b"4,\xE8\xB7\xFF\xFE\n");
        let d = detect(&bytes);
        assert_eq!(d.encoding, UTF_8);
        assert!(d.decode(b"\xE8\xB7\xFF").is_none());
    }
}
