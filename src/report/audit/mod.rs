//! Audit views: one markdown report per descriptor, the summary table, the table of measured
//! null terms, the `check` answer and terminal tables. Every view reads the same
//! [`AuditResult`]: one judgement, several views.

mod consistency;
mod page;
mod summary;
pub(crate) mod text;

pub use consistency::headline as consistency_headline;
pub use page::report;
pub use summary::{check_text, null_evidence, summary, terminal_summary};
pub use text::{answer_text, break_even_text, cell, figure_path, prob, pts, survival_text};
