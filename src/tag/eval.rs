//! Classification metrics: confusion matrix, per-class precision / recall / F1, macro-F1.

use std::fmt::Write;

/// A confusion matrix over named classes: `m[gold][predicted]`.
#[derive(Debug, Clone)]
pub struct Confusion {
    pub classes: Vec<String>,
    pub m: Vec<Vec<usize>>,
}

impl Confusion {
    /// An empty matrix.
    pub fn new(classes: Vec<String>) -> Confusion {
        let k = classes.len();
        Confusion {
            classes,
            m: vec![vec![0; k]; k],
        }
    }

    /// Counts one prediction.
    pub fn add(&mut self, gold: usize, pred: usize) {
        self.m[gold][pred] += 1;
    }

    /// Total count.
    pub fn total(&self) -> usize {
        self.m.iter().flatten().sum()
    }

    /// Fraction on the diagonal.
    pub fn accuracy(&self) -> f64 {
        let d: usize = (0..self.classes.len()).map(|i| self.m[i][i]).sum();
        d as f64 / self.total().max(1) as f64
    }

    /// (precision, recall, F1, support) of class `c`.
    pub fn prf(&self, c: usize) -> (f64, f64, f64, usize) {
        let tp = self.m[c][c] as f64;
        let pred: usize = self.m.iter().map(|r| r[c]).sum();
        let support: usize = self.m[c].iter().sum();
        let p = if pred > 0 { tp / pred as f64 } else { 0.0 };
        let r = if support > 0 {
            tp / support as f64
        } else {
            0.0
        };
        let f = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        (p, r, f, support)
    }

    /// Mean F1 over classes with support.
    pub fn macro_f1(&self) -> f64 {
        let fs: Vec<f64> = (0..self.classes.len())
            .filter(|&c| self.prf(c).3 > 0)
            .map(|c| self.prf(c).2)
            .collect();
        fs.iter().sum::<f64>() / fs.len().max(1) as f64
    }

    /// A readable report: per-class table and the confusion matrix.
    pub fn report(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<16} {:>9} {:>9} {:>9} {:>8}",
            "class", "precision", "recall", "f1", "support"
        );
        for (c, name) in self.classes.iter().enumerate() {
            let (p, r, f, n) = self.prf(c);
            let _ = writeln!(s, "{:<16} {:>9.4} {:>9.4} {:>9.4} {:>8}", name, p, r, f, n);
        }
        let _ = writeln!(s, "accuracy={:.4} n={}", self.accuracy(), self.total());
        let _ = writeln!(
            s,
            "confusion (rows gold, columns predicted, in class order):"
        );
        for (c, name) in self.classes.iter().enumerate() {
            let row: Vec<String> = self.m[c].iter().map(|x| format!("{x:>5}")).collect();
            let _ = writeln!(s, "{:<16}{}", name, row.join(""));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macro_f1_of_a_small_matrix() {
        let mut c = Confusion::new(vec!["a".into(), "b".into()]);
        c.add(0, 0);
        c.add(0, 1);
        c.add(1, 1);
        c.add(1, 1);
        let (p, r, _, _) = c.prf(1);
        assert!((p - 2.0 / 3.0).abs() < 1e-9 && (r - 1.0).abs() < 1e-9);
        assert!((c.accuracy() - 0.75).abs() < 1e-9);
        assert!(c.macro_f1() > 0.7 && c.macro_f1() < 0.8);
        assert!(c.report().contains("confusion"));
    }
}
