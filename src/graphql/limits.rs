//! Limits async-graphql does not enforce itself, each checked in time linear in the document:
//! value nesting (before the recursive parser sees the text), variable nesting, aliases,
//! directives, and the size of a document once its fragments are expanded (before the
//! library's checks walk every path through them). Half the file is their unit tests.

use std::collections::HashMap;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Value as ConstValue, Variables};

/// Deepest nesting of list and object values (in arguments, defaults and variables).
pub const MAX_VALUE_NESTING: usize = 32;
/// Deepest nesting of brackets of any kind in a document's text.
pub const MAX_TEXT_NESTING: usize = 128;
/// Most directives in one document (operations, variables, fragments and fields together).
pub const MAX_DIRECTIVES: usize = 100;
/// Most selections an operation may expand to once every fragment spread is replaced by its
/// fragment, and most selections written in a document.
pub const MAX_EXPANDED_SELECTIONS: usize = 10_000;
/// Deepest nesting of selections and fragment spreads together.
pub const MAX_EXPANDED_DEPTH: usize = 64;

/// Why a document is refused before the library's own parsing or checks run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Beyond a limit: `QUERY_REJECTED`.
    OverLimit(String),
    /// Fragments that spread each other in a cycle: a validation failure.
    FragmentCycle(String),
}

/// Scans a document's text for bracket nesting, skipping strings and comments. Values (lists,
/// and objects inside arguments, lists or other objects) may nest [`MAX_VALUE_NESTING`] deep,
/// brackets of any kind [`MAX_TEXT_NESTING`] deep.
pub fn check_text_nesting(query: &str) -> Result<(), Refusal> {
    #[derive(Clone, Copy, PartialEq)]
    enum Open {
        Paren,
        Selection,
        Value,
    }
    let bytes = query.as_bytes();
    let mut stack: Vec<Open> = Vec::new();
    let mut values = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
                continue;
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 3;
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                continue;
            }
            open @ (b'(' | b'[' | b'{') => {
                let kind = match open {
                    b'(' => Open::Paren,
                    b'[' => Open::Value,
                    // A brace inside parentheses, a list or another value is an object value;
                    // anywhere else it opens a selection set.
                    _ if matches!(stack.last(), Some(Open::Paren | Open::Value)) => Open::Value,
                    _ => Open::Selection,
                };
                if kind == Open::Value {
                    values += 1;
                    if values > MAX_VALUE_NESTING {
                        return Err(Refusal::OverLimit(format!(
                            "Values are nested deeper than {MAX_VALUE_NESTING} levels"
                        )));
                    }
                }
                stack.push(kind);
                if stack.len() > MAX_TEXT_NESTING {
                    return Err(Refusal::OverLimit(format!(
                        "The document is nested deeper than {MAX_TEXT_NESTING} levels"
                    )));
                }
            }
            // Every closer pops (in the guard); a value's closer also lowers the value count.
            b')' | b']' | b'}' if stack.pop() == Some(Open::Value) => values -= 1,
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Deepest nesting of a JSON request body: a batch, a request, its variables, their values.
pub const MAX_JSON_NESTING: usize = MAX_VALUE_NESTING + 3;

/// Scans JSON text for array and object nesting beyond [`MAX_JSON_NESTING`], skipping strings,
/// so a body is refused with a clear code before any reader recurses into it.
pub fn check_json_nesting(json: &[u8]) -> Result<(), Refusal> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < json.len() {
        match json[i] {
            b'"' => {
                i += 1;
                while i < json.len() && json[i] != b'"' {
                    i += if json[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_JSON_NESTING {
                    return Err(Refusal::OverLimit(format!(
                        "Variables are nested deeper than {MAX_VALUE_NESTING} levels"
                    )));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Checks that no variable's value nests lists and objects deeper than [`MAX_VALUE_NESTING`]
/// (walked without recursion, so any depth the JSON reader let through is measured safely).
pub fn check_variable_nesting(variables: &Variables) -> Result<(), Refusal> {
    let mut pending: Vec<(&ConstValue, usize)> = variables.values().map(|v| (v, 0)).collect();
    while let Some((value, depth)) = pending.pop() {
        let children: Box<dyn Iterator<Item = &ConstValue>> = match value {
            ConstValue::List(items) => Box::new(items.iter()),
            ConstValue::Object(fields) => Box::new(fields.values()),
            _ => continue,
        };
        if depth + 1 > MAX_VALUE_NESTING {
            return Err(Refusal::OverLimit(format!(
                "Variables are nested deeper than {MAX_VALUE_NESTING} levels"
            )));
        }
        pending.extend(children.map(|child| (child, depth + 1)));
    }
    Ok(())
}

/// Whether `text` holds a character no text input may: NUL or any other control character
/// but tab, line feed and carriage return.
pub fn is_forbidden_text(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// The path (`input.email`, `ids.2`) of the first string in `values` holding a forbidden
/// character, walked without recursion.
fn forbidden_text_in<'v>(values: impl Iterator<Item = (String, &'v ConstValue)>) -> Option<String> {
    let mut pending: Vec<(String, &ConstValue)> = values.collect();
    while let Some((path, value)) = pending.pop() {
        match value {
            ConstValue::String(text) if is_forbidden_text(text) => return Some(path),
            ConstValue::List(items) => pending.extend(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| (format!("{path}.{i}"), item)),
            ),
            ConstValue::Object(fields) => pending.extend(
                fields
                    .iter()
                    .map(|(name, field)| (format!("{path}.{name}"), field)),
            ),
            _ => {}
        }
    }
    None
}

/// The path of the first variable string holding a forbidden character.
pub fn forbidden_text_in_variables(variables: &Variables) -> Option<String> {
    forbidden_text_in(
        variables
            .iter()
            .map(|(name, value)| (name.to_string(), value)),
    )
}

/// The path of the first string written in the document (arguments, directive arguments,
/// variable defaults) holding a forbidden character.
pub fn forbidden_text_in_document(doc: &ExecutableDocument) -> Option<String> {
    use async_graphql::Positioned;
    use async_graphql::parser::types::{Directive, Field};
    use async_graphql_value::Value as Written;
    fn arguments(args: &[(Positioned<Name>, Positioned<Written>)]) -> Option<String> {
        args.iter().find_map(|(name, value)| {
            // Variables read as null here: their values are checked on their own.
            let constant = value
                .node
                .clone()
                .into_const_with(|_| Ok::<_, std::convert::Infallible>(ConstValue::Null))
                .unwrap_or(ConstValue::Null);
            forbidden_text_in(std::iter::once((name.node.to_string(), &constant)))
        })
    }
    fn directives(list: &[Positioned<Directive>]) -> Option<String> {
        list.iter().find_map(|d| arguments(&d.node.arguments))
    }
    fn field(field: &Field) -> Option<String> {
        arguments(&field.arguments).or_else(|| directives(&field.directives))
    }
    fn walk(set: &SelectionSet) -> Option<String> {
        set.items.iter().find_map(|item| match &item.node {
            Selection::Field(f) => field(&f.node).or_else(|| walk(&f.node.selection_set.node)),
            Selection::InlineFragment(inline) => directives(&inline.node.directives)
                .or_else(|| walk(&inline.node.selection_set.node)),
            Selection::FragmentSpread(spread) => directives(&spread.node.directives),
        })
    }
    let in_operations = doc.operations.iter().find_map(|(_, op)| {
        let defaults = op.node.variable_definitions.iter().find_map(|v| {
            let default = v.node.default_value.as_ref()?;
            forbidden_text_in(std::iter::once((
                v.node.name.node.to_string(),
                &default.node,
            )))
            .or_else(|| directives(&v.node.directives))
        });
        defaults
            .or_else(|| directives(&op.node.directives))
            .or_else(|| walk(&op.node.selection_set.node))
    });
    in_operations.or_else(|| {
        doc.fragments.values().find_map(|fragment| {
            directives(&fragment.node.directives)
                .or_else(|| walk(&fragment.node.selection_set.node))
        })
    })
}

/// Counts aliased fields across every operation and fragment of a document.
pub fn count_aliases(doc: &ExecutableDocument) -> usize {
    count_in_selections(doc, &|selection| match selection {
        Selection::Field(field) => usize::from(field.node.alias.is_some()),
        Selection::InlineFragment(_) | Selection::FragmentSpread(_) => 0,
    })
}

/// Counts the directives of a document: on operations, their variables, fragments, fields,
/// spreads and inline fragments.
pub fn count_directives(doc: &ExecutableDocument) -> usize {
    let on_operations: usize = doc
        .operations
        .iter()
        .map(|(_, op)| {
            op.node.directives.len()
                + op.node
                    .variable_definitions
                    .iter()
                    .map(|v| v.node.directives.len())
                    .sum::<usize>()
        })
        .sum();
    let on_fragments: usize = doc
        .fragments
        .values()
        .map(|f| f.node.directives.len())
        .sum();
    on_operations
        + on_fragments
        + count_in_selections(doc, &|selection| match selection {
            Selection::Field(field) => field.node.directives.len(),
            Selection::InlineFragment(inline) => inline.node.directives.len(),
            Selection::FragmentSpread(spread) => spread.node.directives.len(),
        })
}

/// Sums `count` over every selection written in the document (each fragment once).
fn count_in_selections(doc: &ExecutableDocument, count: &dyn Fn(&Selection) -> usize) -> usize {
    fn walk(set: &SelectionSet, count: &dyn Fn(&Selection) -> usize) -> usize {
        set.items
            .iter()
            .map(|item| {
                count(&item.node)
                    + match &item.node {
                        Selection::Field(field) => walk(&field.node.selection_set.node, count),
                        Selection::InlineFragment(inline) => {
                            walk(&inline.node.selection_set.node, count)
                        }
                        Selection::FragmentSpread(_) => 0,
                    }
            })
            .sum()
    }
    let in_operations: usize = doc
        .operations
        .iter()
        .map(|(_, op)| walk(&op.node.selection_set.node, count))
        .sum();
    let in_fragments: usize = doc
        .fragments
        .values()
        .map(|fragment| walk(&fragment.node.selection_set.node, count))
        .sum();
    in_operations + in_fragments
}

/// The size (selections) and height (levels) of a selection set once fragments are expanded.
#[derive(Debug, Clone, Copy, Default)]
struct Expanded {
    size: usize,
    height: usize,
}

enum Visit {
    InProgress,
    Done(Expanded),
}

/// Measures every operation as if its fragment spreads were written out, computing each
/// fragment once: a document whose spreads fan out exponentially costs no more to measure
/// than its text. Refuses operations over [`MAX_EXPANDED_SELECTIONS`] selections or
/// [`MAX_EXPANDED_DEPTH`] levels, documents with more selections written than that, and
/// fragment cycles (which the library would otherwise walk until its depth limit, along every
/// path).
pub fn check_expansion(doc: &ExecutableDocument) -> Result<(), Refusal> {
    let written = count_in_selections(doc, &|_| 1);
    if written > MAX_EXPANDED_SELECTIONS {
        return Err(too_large());
    }
    let mut memo: HashMap<&Name, Visit> = HashMap::new();
    for (_, operation) in doc.operations.iter() {
        let expanded = expand(doc, &operation.node.selection_set.node, 0, &mut memo)?;
        if expanded.size > MAX_EXPANDED_SELECTIONS {
            return Err(too_large());
        }
    }
    Ok(())
}

fn too_large() -> Refusal {
    Refusal::OverLimit(format!(
        "The document expands to more than {MAX_EXPANDED_SELECTIONS} selections"
    ))
}

fn too_deep() -> Refusal {
    Refusal::OverLimit(format!(
        "Selections and fragments are nested deeper than {MAX_EXPANDED_DEPTH} levels"
    ))
}

/// [`Expanded`] of `set`, found `level` levels below its operation.
fn expand<'d>(
    doc: &'d ExecutableDocument,
    set: &'d SelectionSet,
    level: usize,
    memo: &mut HashMap<&'d Name, Visit>,
) -> Result<Expanded, Refusal> {
    if level > MAX_EXPANDED_DEPTH {
        return Err(too_deep());
    }
    let mut total = Expanded::default();
    for item in &set.items {
        let (size, height) = match &item.node {
            Selection::Field(field) => {
                let inner = expand(doc, &field.node.selection_set.node, level + 1, memo)?;
                (inner.size.saturating_add(1), inner.height + 1)
            }
            // Spreads and inline fragments count as selections themselves: every walk of the
            // library steps through them, whatever (if anything) they hold.
            Selection::InlineFragment(inline) => {
                let inner = expand(doc, &inline.node.selection_set.node, level + 1, memo)?;
                (inner.size.saturating_add(1), inner.height + 1)
            }
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                match doc.fragments.get_key_value(name) {
                    // An unknown fragment is left for validation to report.
                    None => (1, 1),
                    Some((key, fragment)) => {
                        let inner = match memo.get(key) {
                            Some(Visit::Done(expanded)) => *expanded,
                            Some(Visit::InProgress) => {
                                return Err(Refusal::FragmentCycle(format!(
                                    "Fragment \"{name}\" spreads itself"
                                )));
                            }
                            None => {
                                memo.insert(key, Visit::InProgress);
                                let expanded = expand(
                                    doc,
                                    &fragment.node.selection_set.node,
                                    level + 1,
                                    memo,
                                )?;
                                memo.insert(key, Visit::Done(expanded));
                                expanded
                            }
                        };
                        (inner.size.saturating_add(1), inner.height + 1)
                    }
                }
            }
        };
        if level + height > MAX_EXPANDED_DEPTH {
            return Err(too_deep());
        }
        total.size = total.size.saturating_add(size);
        total.height = total.height.max(height);
        if total.size > MAX_EXPANDED_SELECTIONS {
            return Err(too_large());
        }
    }
    Ok(total)
}

/// Deepest nesting of fields under the introspection roots (`__schema`, `__type`): the standard
/// introspection queries of graphql-js and graphql-core reach 13–15 through their chains of
/// `ofType`.
pub const MAX_INTROSPECTION_DEPTH: usize = 24;

/// Introspection fields that list the fields or members of a type: the ones that let a small
/// document fan out over the whole schema at every level.
const INTROSPECTION_LISTS: [&str; 4] = ["fields", "inputFields", "interfaces", "possibleTypes"];

/// Most [`INTROSPECTION_LISTS`] fields one path may nest (the standard queries nest one).
pub const MAX_INTROSPECTION_LISTS: usize = 2;

/// How deep an operation nests, measured in fields (fragments and inline fragments add no
/// level), with introspection apart: clients' tooling sends deep introspection queries,
/// which are bounded by their own limits instead of the data limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Depth {
    /// Fields nested outside introspection.
    pub data: usize,
    /// Fields nested under `__schema` or `__type`.
    pub introspection: usize,
    /// [`INTROSPECTION_LISTS`] nested on one path under `__schema` or `__type`.
    pub introspection_lists: usize,
}

impl Depth {
    fn max(self, other: Self) -> Self {
        Self {
            data: self.data.max(other.data),
            introspection: self.introspection.max(other.introspection),
            introspection_lists: self.introspection_lists.max(other.introspection_lists),
        }
    }
}

/// Where a selection set sits: at an operation's root, inside data, or inside introspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Place {
    Root,
    Data,
    Introspection,
}

/// The deepest [`Depth`] of any operation in `doc`. Run after [`check_expansion`], which has
/// refused fragment cycles and nesting beyond [`MAX_EXPANDED_DEPTH`]; each fragment is measured
/// once per place it is spread in.
pub fn measure_depth(doc: &ExecutableDocument) -> Depth {
    let mut memo: HashMap<(&Name, Place), Depth> = HashMap::new();
    doc.operations
        .iter()
        .map(|(_, op)| depth_of(doc, &op.node.selection_set.node, Place::Root, &mut memo))
        .fold(Depth::default(), Depth::max)
}

fn depth_of<'d>(
    doc: &'d ExecutableDocument,
    set: &'d SelectionSet,
    place: Place,
    memo: &mut HashMap<(&'d Name, Place), Depth>,
) -> Depth {
    let mut deepest = Depth::default();
    for item in &set.items {
        let depth = match &item.node {
            Selection::Field(field) => {
                let name = field.node.name.node.as_str();
                let inner_place = match place {
                    Place::Root if matches!(name, "__schema" | "__type") => Place::Introspection,
                    Place::Root | Place::Data => Place::Data,
                    Place::Introspection => Place::Introspection,
                };
                let inner = depth_of(doc, &field.node.selection_set.node, inner_place, memo);
                if inner_place == Place::Introspection {
                    let lists = usize::from(INTROSPECTION_LISTS.contains(&name));
                    Depth {
                        data: 0,
                        introspection: inner.introspection + 1,
                        introspection_lists: inner.introspection_lists + lists,
                    }
                } else {
                    Depth {
                        data: inner.data + 1,
                        ..inner
                    }
                }
            }
            Selection::InlineFragment(inline) => {
                depth_of(doc, &inline.node.selection_set.node, place, memo)
            }
            Selection::FragmentSpread(spread) => {
                match doc.fragments.get_key_value(&spread.node.fragment_name.node) {
                    None => Depth::default(),
                    Some((key, fragment)) => match memo.get(&(key, place)) {
                        Some(depth) => *depth,
                        None => {
                            let depth =
                                depth_of(doc, &fragment.node.selection_set.node, place, memo);
                            memo.insert((key, place), depth);
                            depth
                        }
                    },
                }
            }
        };
        deepest = deepest.max(depth);
    }
    deepest
}

/// Refuses an operation nested deeper than `max_depth` fields outside introspection, or whose
/// introspection goes beyond [`MAX_INTROSPECTION_DEPTH`] or [`MAX_INTROSPECTION_LISTS`].
pub fn check_depth(doc: &ExecutableDocument, max_depth: usize) -> Result<(), Refusal> {
    let depth = measure_depth(doc);
    if depth.data > max_depth {
        return Err(Refusal::OverLimit(format!(
            "The query nests fields {} levels deep; the limit is {max_depth}",
            depth.data
        )));
    }
    if depth.introspection > MAX_INTROSPECTION_DEPTH {
        return Err(Refusal::OverLimit(format!(
            "The introspection nests fields {} levels deep; the limit is {MAX_INTROSPECTION_DEPTH}",
            depth.introspection
        )));
    }
    if depth.introspection_lists > MAX_INTROSPECTION_LISTS {
        return Err(Refusal::OverLimit(format!(
            "The introspection nests {} lists of fields, interfaces or possible types; the \
             limit is {MAX_INTROSPECTION_LISTS}",
            depth.introspection_lists
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(query).unwrap()
    }

    #[test]
    fn aliases_are_counted_in_operations_and_fragments() {
        let doc = parse(
            "query { a: me { id } b: me { x: id } ...F } fragment F on Query { c: me { id } }",
        );
        assert_eq!(count_aliases(&doc), 4);
        assert_eq!(count_aliases(&parse("{ me { id } }")), 0);
    }

    #[test]
    fn directives_are_counted_wherever_they_stand() {
        let doc = parse(
            "query Q($v: Int @a) @b { me @c { id ...F @d ... @e { id } } } fragment F on User @f { id @g }",
        );
        assert_eq!(count_directives(&doc), 7);
    }

    fn nested(open: &str, close: &str, depth: usize, inner: &str) -> String {
        format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
    }

    #[test]
    fn values_may_nest_up_to_the_limit_in_arguments_defaults_and_objects() {
        let at_limit = nested("[", "]", MAX_VALUE_NESTING, "1");
        assert_eq!(
            check_text_nesting(&format!("{{ a(x: {at_limit}) }}")),
            Ok(())
        );
        let over = nested("[", "]", MAX_VALUE_NESTING + 1, "1");
        for document in [
            format!("{{ a(x: {over}) }}"),
            format!("query($v: [Int] = {over}) {{ a }}"),
            format!("{{ a @d(x: {over}) }}"),
            format!(
                "{{ a(x: {}) }}",
                nested("{a:", "}", MAX_VALUE_NESTING + 1, "1")
            ),
        ] {
            assert!(
                matches!(check_text_nesting(&document), Err(Refusal::OverLimit(_))),
                "{document}"
            );
        }
    }

    #[test]
    fn selection_sets_count_towards_the_text_limit_only() {
        let deep = nested("{ a ", "}", 100, "");
        assert_eq!(check_text_nesting(&deep), Ok(()));
        let deeper = nested("{ a ", "}", MAX_TEXT_NESTING + 1, "");
        assert!(check_text_nesting(&deeper).is_err());
    }

    #[test]
    fn brackets_in_strings_block_strings_and_comments_are_not_counted() {
        let brackets = "[".repeat(1000);
        for document in [
            format!("{{ a(x: \"{brackets}\") }}"),
            format!("{{ a(x: \"\\\"{brackets}\") }}"),
            format!("{{ a(x: \"\"\"{brackets} \\\"\"\" {brackets}\"\"\") }}"),
            format!("# {brackets}\n{{ a }}"),
        ] {
            assert_eq!(check_text_nesting(&document), Ok(()), "{document}");
        }
    }

    #[test]
    fn deep_variables_are_refused_without_recursion() {
        let mut value = ConstValue::Number(1.into());
        for _ in 0..100_000 {
            value = ConstValue::List(vec![value]);
        }
        let mut variables = Variables::default();
        variables.insert(Name::new("v"), value);
        assert!(check_variable_nesting(&variables).is_err());
        // Dropping a value this deep would recurse: unwrap it level by level.
        let mut value = variables.remove("v");
        while let Some(ConstValue::List(mut items)) = value {
            value = items.pop();
        }
        let mut shallow = Variables::default();
        shallow.insert(Name::new("v"), ConstValue::List(vec![ConstValue::Null; 3]));
        assert_eq!(check_variable_nesting(&shallow), Ok(()));
    }

    #[test]
    fn json_nesting_is_measured_outside_strings() {
        let deep = format!("{{\"v\":{}1{}}}", "[".repeat(40), "]".repeat(40));
        assert!(check_json_nesting(deep.as_bytes()).is_err());
        let quoted = format!("{{\"q\":\"\\\"{}\"}}", "[".repeat(1000));
        assert_eq!(check_json_nesting(quoted.as_bytes()), Ok(()));
        let shallow = format!("[{{\"v\":{}1{}}}]", "[".repeat(30), "]".repeat(30));
        assert_eq!(check_json_nesting(shallow.as_bytes()), Ok(()));
    }

    #[test]
    fn control_characters_are_found_with_their_path_wherever_they_are_written() {
        assert!(is_forbidden_text("a\u{0}b"));
        assert!(is_forbidden_text("bell\u{7}"));
        assert!(is_forbidden_text("c1\u{85}"));
        assert!(!is_forbidden_text("line\nbreak\ttab\r 中文"));
        let doc = parse(
            "query($v: String = \"ok\") { a(input: {list: [\"ok\", \"bad\\u0000\"]}) { b @d(x: \"ok\") } }",
        );
        assert_eq!(
            forbidden_text_in_document(&doc).as_deref(),
            Some("input.list.1")
        );
        let defaults = parse("query($v: String = \"\\u0007\") { a }");
        assert_eq!(forbidden_text_in_document(&defaults).as_deref(), Some("v"));
        let fragment = parse("{ ...F } fragment F on Q { a @d(x: \"\\u0001\") }");
        assert_eq!(forbidden_text_in_document(&fragment).as_deref(), Some("x"));
        assert_eq!(
            forbidden_text_in_document(&parse("{ a(x: \"fine\") }")),
            None
        );
        let mut variables = Variables::default();
        variables.insert(
            Name::new("input"),
            ConstValue::from_json(serde_json::json!({"email": "a\u{0}@b.c"})).unwrap(),
        );
        assert_eq!(
            forbidden_text_in_variables(&variables).as_deref(),
            Some("input.email")
        );
    }

    fn fan_out(n: usize) -> String {
        let mut document = String::from("query { ...F0 }");
        for i in 0..n {
            let next = i + 1;
            document.push_str(&format!(
                " fragment F{i} on Query {{ ...F{next} ...F{next} }}"
            ));
        }
        document.push_str(&format!(
            " fragment F{n} on Query {{ serverInfo {{ version }} }}"
        ));
        document
    }

    #[test]
    fn fragment_fan_out_is_measured_once_per_fragment_and_refused() {
        assert_eq!(check_expansion(&parse(&fan_out(5))), Ok(()));
        let started = std::time::Instant::now();
        assert!(matches!(
            check_expansion(&parse(&fan_out(60))),
            Err(Refusal::OverLimit(_))
        ));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn spreads_of_missing_fragments_still_count_towards_the_budget() {
        // The last fragment of the chain is missing: the library would walk 2^30 paths of
        // spreads that lead nowhere before validation reports it.
        let mut document = String::from("query { ...F0 }");
        for i in 0..30 {
            let next = i + 1;
            document.push_str(&format!(" fragment F{i} on Q {{ ...F{next} ...F{next} }}"));
        }
        assert!(matches!(
            check_expansion(&parse(&document)),
            Err(Refusal::OverLimit(_))
        ));
    }

    #[test]
    fn fragment_cycles_and_long_chains_are_refused() {
        let cycle = parse("{ ...A } fragment A on Q { ...B ...B } fragment B on Q { ...A }");
        assert!(matches!(
            check_expansion(&cycle),
            Err(Refusal::FragmentCycle(_))
        ));
        let mut chain = String::from("{ ...F0 }");
        for i in 0..1000 {
            chain.push_str(&format!(" fragment F{i} on Q {{ ...F{} }}", i + 1));
        }
        chain.push_str(" fragment F1000 on Q { a }");
        assert!(matches!(
            check_expansion(&parse(&chain)),
            Err(Refusal::OverLimit(_))
        ));
    }

    #[test]
    fn introspection_is_measured_apart_from_data() {
        let doc = parse(
            "{ me { team { manager { id } } } __schema { types { fields { type { ofType { ofType { name } } } } } } }",
        );
        let depth = measure_depth(&doc);
        assert_eq!(depth.data, 4);
        assert_eq!(depth.introspection, 7);
        assert_eq!(depth.introspection_lists, 1);
        assert!(check_depth(&doc, 4).is_ok());
        assert!(check_depth(&doc, 3).is_err());
    }

    #[test]
    fn fragments_count_their_fields_where_they_are_spread() {
        let doc = parse(
            "query { __type(name: \"Query\") { ...T } me { ...U } } \
             fragment T on __Type { fields { type { ...R } } } \
             fragment R on __Type { ofType { fields { name } } } \
             fragment U on User { team { id } }",
        );
        let depth = measure_depth(&doc);
        assert_eq!(depth.data, 3);
        assert_eq!(depth.introspection, 6);
        assert_eq!(depth.introspection_lists, 2);
        assert!(check_depth(&doc, 12).is_ok());
    }

    #[test]
    fn fanning_introspection_is_refused() {
        let doc = parse(
            "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }",
        );
        assert_eq!(measure_depth(&doc).introspection_lists, 3);
        assert!(matches!(check_depth(&doc, 12), Err(Refusal::OverLimit(_))));
        let deep = format!(
            "{{ __type(name: \"Query\") {{ {} name {} }} }}",
            "ofType { ".repeat(30),
            "} ".repeat(30)
        );
        let doc = parse(&deep);
        assert!(
            matches!(check_depth(&doc, 12), Err(Refusal::OverLimit(m)) if m.contains("introspection"))
        );
    }
}
