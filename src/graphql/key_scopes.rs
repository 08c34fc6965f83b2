//! Scopes at work: a request made with a service account's API key may select only the root
//! fields its scopes open (`service_accounts::scopes`). The selected operation's root fields
//! (through fragments too) are checked before anything runs; one outside the scopes refuses
//! the whole request with `INSUFFICIENT_SCOPE`, naming the scope it takes. People signed in
//! with a token are not limited here.

use std::collections::HashSet;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Pos, ServerError};

use crate::error::{AppError, ErrorCode};
use crate::identity::ServiceAccess;
use crate::service_accounts::scopes::{self, Need};

fn refusal(field: &str, need: Need, pos: Pos) -> ServerError {
    let message = match need {
        Need::Scope(scope) => {
            format!("This API key's scopes do not include `{scope}`, which `{field}` takes")
        }
        Need::AnyRead => format!("`{field}` takes a read scope; this API key holds none"),
        Need::Anyone | Need::Never => format!("`{field}` cannot be called with an API key"),
    };
    async_graphql::Error::from(AppError::new(ErrorCode::InsufficientScope, message))
        .into_server_error(pos)
}

/// Refuses the request when the operation it runs selects a root field `access` does not open.
pub fn check(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    access: &ServiceAccess,
) -> Result<(), ServerError> {
    let Some((_, operation)) = document
        .operations
        .iter()
        .find(|(name, _)| operation_name.is_none() || name.map(|n| n.as_str()) == operation_name)
    else {
        // Execution answers for an operation that is not there.
        return Ok(());
    };
    let mut seen = HashSet::new();
    walk(
        document,
        &operation.node.selection_set.node,
        access,
        &mut seen,
    )
}

fn walk<'d>(
    document: &'d ExecutableDocument,
    set: &'d SelectionSet,
    access: &ServiceAccess,
    seen: &mut HashSet<&'d str>,
) -> Result<(), ServerError> {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                let name = field.node.name.node.as_str();
                if name.starts_with("__") {
                    continue;
                }
                let need = scopes::need(name);
                if !scopes::allows(&access.scopes, need) {
                    return Err(refusal(name, need, field.pos));
                }
            }
            Selection::InlineFragment(fragment) => {
                walk(document, &fragment.node.selection_set.node, access, seen)?;
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                // Each fragment once: a cycle is refused by validation later.
                if seen.insert(name)
                    && let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node)
                {
                    walk(document, &fragment.node.selection_set.node, access, seen)?;
                }
            }
        }
    }
    Ok(())
}
