//! Limits async-graphql does not enforce itself: aliases per document.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// Counts aliased fields across every operation and fragment of a document.
pub fn count_aliases(doc: &ExecutableDocument) -> usize {
    fn walk(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|selection| match &selection.node {
                Selection::Field(field) => {
                    usize::from(field.node.alias.is_some()) + walk(&field.node.selection_set.node)
                }
                Selection::InlineFragment(fragment) => walk(&fragment.node.selection_set.node),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    let in_operations: usize = doc
        .operations
        .iter()
        .map(|(_, op)| walk(&op.node.selection_set.node))
        .sum();
    let in_fragments: usize = doc
        .fragments
        .values()
        .map(|fragment| walk(&fragment.node.selection_set.node))
        .sum();
    in_operations + in_fragments
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_counted_in_operations_and_fragments() {
        let doc = async_graphql::parser::parse_query(
            "query { a: me { id } b: me { x: id } ...F } fragment F on Query { c: me { id } }",
        )
        .unwrap();
        assert_eq!(count_aliases(&doc), 4);
        let plain = async_graphql::parser::parse_query("{ me { id } }").unwrap();
        assert_eq!(count_aliases(&plain), 0);
    }
}
