//! Which column holds which field. A header names the API's input fields (`name`,
//! `contactName`, …; case, spaces, `_` and `-` do not matter), or a mapping renames other
//! headers to them (`"公司名称" = "name"`; a column mapped to `""` is left out).

use std::collections::BTreeMap;

use super::table::Row;
use crate::error::{AppError, AppResult};

/// The most columns a mapping may rename.
const MAX_MAPPED: usize = 256;

/// Headers of the file renamed to fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping(BTreeMap<String, String>);

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    columns: BTreeMap<String, String>,
}

impl Mapping {
    /// From pairs of (header, field). Errors: `BAD_USER_INPUT` on `field`.
    pub fn from_pairs(
        pairs: impl IntoIterator<Item = (String, String)>,
        field: &str,
    ) -> AppResult<Self> {
        let mut map = BTreeMap::new();
        for (column, target) in pairs {
            if map.len() >= MAX_MAPPED {
                return Err(AppError::bad_input(
                    field,
                    format!("A mapping renames at most {MAX_MAPPED} columns"),
                ));
            }
            if column.chars().count() > 200 || target.chars().count() > 64 {
                return Err(AppError::bad_input(field, "A mapped name is too long"));
            }
            map.insert(column.trim().to_lowercase(), target.trim().to_owned());
        }
        Ok(Self(map))
    }

    /// From a TOML file: a `[columns]` table of header = field.
    /// Errors: `BAD_USER_INPUT` on `mapping`.
    pub fn from_toml(text: &str) -> AppResult<Self> {
        let file: MappingFile = toml::from_str(text).map_err(|err| {
            AppError::bad_input(
                "mapping",
                format!("A mapping is a [columns] table of \"header\" = \"field\": {err}"),
            )
        })?;
        Self::from_pairs(file.columns, "mapping")
    }

    /// A stable text of the mapping (part of an import's fingerprint).
    pub fn canonical(&self) -> String {
        self.0
            .iter()
            .map(|(column, field)| format!("{column}\u{1f}{field}\u{1e}"))
            .collect()
    }
}

/// A field's name folded for comparison.
fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// For each field of a kind, the column holding it.
#[derive(Debug, Clone)]
pub struct Columns {
    index: Vec<Option<usize>>,
}

impl Columns {
    /// Matches the header to `fields` (through `mapping`). Errors: `BAD_USER_INPUT` on
    /// `input.file` (a column that is no field, two columns for one field, a required field
    /// missing).
    pub fn resolve(
        fields: &[&str],
        required: &[usize],
        header: &[String],
        mapping: &Mapping,
    ) -> AppResult<Self> {
        let mut index = vec![None; fields.len()];
        let folded: Vec<String> = fields.iter().map(|f| fold(f)).collect();
        for (position, column) in header.iter().enumerate() {
            let name = column.trim();
            let target = match mapping.0.get(&name.to_lowercase()) {
                Some(target) if target.is_empty() => continue,
                Some(target) => target.as_str(),
                None if name.is_empty() => continue,
                None => name,
            };
            let Some(field) = folded.iter().position(|f| *f == fold(target)) else {
                return Err(AppError::bad_input(
                    "input.file",
                    format!(
                        "Column \"{name}\" is not one of {}: map it to one, or to \"\" to leave \
                         it out",
                        fields.join(", ")
                    ),
                ));
            };
            if index[field].replace(position).is_some() {
                return Err(AppError::bad_input(
                    "input.file",
                    format!("Two columns hold {}", fields[field]),
                ));
            }
        }
        for &field in required {
            if index[field].is_none() {
                return Err(AppError::bad_input(
                    "input.file",
                    format!("The file needs a column {}", fields[field]),
                ));
            }
        }
        Ok(Self { index })
    }

    /// The trimmed text of `field` in `row`; `None` when blank or absent.
    pub fn cell<'a>(&self, row: &'a Row, field: usize) -> Option<&'a str> {
        let position = self.index.get(field).copied().flatten()?;
        row.cells
            .get(position)
            .map(|cell| cell.trim())
            .filter(|cell| !cell.is_empty())
    }

    /// Whether the file has a column for `field`.
    pub fn has(&self, field: usize) -> bool {
        self.index.get(field).copied().flatten().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[&str] = &["name", "contactName", "phone"];

    fn header(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn headers_match_fields_loosely_or_through_a_mapping() {
        let mapping = Mapping::from_toml("[columns]\n\"公司名称\" = \"name\"\n\"备注\" = \"\"\n")
            .expect("mapping");
        let columns = Columns::resolve(
            FIELDS,
            &[0],
            &header(&["公司名称", "Contact Name", "备注", "PHONE"]),
            &mapping,
        )
        .expect("columns");
        let row = Row {
            number: 2,
            cells: header(&[" 华为 ", "", "x", "138"]),
        };
        assert_eq!(columns.cell(&row, 0), Some("华为"));
        assert_eq!(columns.cell(&row, 1), None);
        assert_eq!(columns.cell(&row, 2), Some("138"));
    }

    #[test]
    fn unknown_doubled_or_missing_columns_are_refused() {
        let none = Mapping::default();
        let unknown = Columns::resolve(FIELDS, &[0], &header(&["name", "fax"]), &none);
        assert!(unknown.expect_err("unknown").message.contains("fax"));
        let doubled = Columns::resolve(FIELDS, &[0], &header(&["name", "Name"]), &none);
        assert!(
            doubled
                .expect_err("doubled")
                .message
                .contains("Two columns")
        );
        let missing = Columns::resolve(FIELDS, &[0], &header(&["phone"]), &none);
        assert!(missing.expect_err("missing").message.contains("name"));
        assert!(Mapping::from_toml("columns = 3").is_err());
    }
}
