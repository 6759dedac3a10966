//! The tantivy tokenizer for Chinese text fields: the pipeline's own [`Segmenter`]
//! (jieba-rs plus the domain dictionary), so the index sees the same words as the tagger.
//!
//! [`Segmenter`]: crate::text::Segmenter

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::text::segmenter;

/// The name text fields are registered with.
pub const ZH_TOKENIZER: &str = "hotline_zh";

/// Segments with the global [`crate::text::segmenter`]; tokens carry byte offsets into the
/// original text (for highlighting) and consecutive positions (for phrase queries).
#[derive(Clone, Default)]
pub struct ZhTokenizer;

/// The tokens of one text, handed out one by one.
pub struct ZhTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for ZhTokenizer {
    type TokenStream<'a> = ZhTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> ZhTokenStream {
        let tokens = segmenter()
            .tokens_with_offsets(text)
            .into_iter()
            .enumerate()
            .map(|(position, (from, to, text))| Token {
                offset_from: from,
                offset_to: to,
                position,
                text,
                position_length: 1,
            })
            .collect();
        ZhTokenStream { tokens, next: 0 }
    }
}

impl TokenStream for ZhTokenStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}
