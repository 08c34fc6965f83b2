//! What an import makes and where it stands, what it was asked to read, and who may ask.

use encoding_rs::Encoding;

use super::columns::Mapping;
use super::table::ImportFormat;
use crate::error::{AppError, AppResult};
use crate::identity::{Role, Viewer};

crate::string_enum! {
    /// Which records an import makes.
    ImportKind {
        /// Customers, each with its first contact when the row names one.
        Customers => "CUSTOMERS",
        /// Contacts of customers you see.
        Contacts => "CONTACTS",
        /// Leads, yours or given to people you may assign.
        Leads => "LEADS",
        /// Products (admins).
        Products => "PRODUCTS",
    }
}

crate::string_enum! {
    /// Where an import stands.
    ImportStatus {
        /// Being read and written; `processed` grows.
        Running => "RUNNING",
        /// Every row was written or refused.
        Done => "DONE",
        /// Stopped by a failure (see `failure`); importing the same file again resumes it.
        Failed => "FAILED",
    }
}

impl ImportKind {
    /// The columns the kind's files may have.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Self::Customers => super::customers::FIELDS,
            Self::Contacts => super::contacts::FIELDS,
            Self::Leads => super::leads::FIELDS,
            Self::Products => super::products::FIELDS,
        }
    }

    pub(super) fn required(self) -> &'static [usize] {
        match self {
            Self::Customers => super::customers::REQUIRED,
            Self::Contacts => super::contacts::REQUIRED,
            Self::Leads => super::leads::REQUIRED,
            Self::Products => super::products::REQUIRED,
        }
    }
}

/// What to import, and how to read it.
#[derive(Debug, Clone)]
pub struct Request {
    pub kind: ImportKind,
    pub format: ImportFormat,
    /// Named by the caller; detected when `None`.
    pub encoding: Option<&'static Encoding>,
    pub mapping: Mapping,
    pub dry_run: bool,
}

/// Who may import which kind. Errors: `FORBIDDEN` (keys import nothing; finance and support
/// import nothing; products are for admins).
pub(super) fn check_allowed(viewer: &Viewer, kind: ImportKind) -> AppResult<()> {
    let allowed = viewer.service.is_none()
        && match kind {
            ImportKind::Customers | ImportKind::Contacts | ImportKind::Leads => viewer.role.sells(),
            ImportKind::Products => viewer.role == Role::Admin,
        };
    if allowed {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}
