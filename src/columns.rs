//! Which of a model's columns a statement reads, so that a hot statement reads only what the
//! client's selection needs (plus the key) instead of whole rows. `graphql::columns` works
//! them out from a selection; a model read this way (`db::ReadAt::read_needed`) holds its
//! type's default in every column not read, which no selected field looks at.

/// Which of a model's columns are read: bit `i` stands for the `i`-th of the model's fields
/// in selection order (`db::ReadAt::FIELDS`; models of at most 64 columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Needs(u64);

impl Needs {
    /// Every column.
    pub const ALL: Needs = Needs(u64::MAX);

    /// The columns named `columns` of a model whose fields are `fields` (every column when
    /// one is unknown).
    pub fn of(fields: &[&str], columns: &[&str]) -> Needs {
        Needs(0).with(fields, columns)
    }

    /// Whether the `index`-th column is read.
    pub fn has(self, index: usize) -> bool {
        index >= 64 || self.0 & (1 << index) != 0
    }

    /// These needs and the columns named `columns` of a model whose fields are `fields`
    /// (every column when one is unknown).
    pub fn with(self, fields: &[&str], columns: &[&str]) -> Needs {
        let mut bits = self.0;
        for column in columns {
            match fields.iter().position(|field| field == column) {
                Some(index) if index < 64 => bits |= 1 << index,
                _ => return Needs::ALL,
            }
        }
        Needs(bits)
    }

    /// Whether every column `other` holds is one of these.
    pub fn covers(self, other: Needs) -> bool {
        self.0 & other.0 == other.0
    }

    /// The key for a shape of statement (which columns it selects).
    pub fn key(self) -> String {
        format!("{:x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_name_the_columns_asked_and_the_key() {
        let fields = ["id", "name", "position", "kind"];
        let needs = Needs::of(&fields, &["id", "kind"]);
        for (index, field) in fields.iter().enumerate() {
            assert_eq!(needs.has(index), ["id", "kind"].contains(field), "{index}");
        }
        assert_eq!(
            needs.with(&fields, &["name"]),
            Needs::of(&fields, &["id", "name", "kind"])
        );
        assert_eq!(needs.key(), "9");
        let unknown = Needs::of(&fields, &["no_such_column"]);
        assert_eq!(unknown, Needs::ALL);
        assert!((0..fields.len()).all(|i| Needs::ALL.has(i)));
    }
}
