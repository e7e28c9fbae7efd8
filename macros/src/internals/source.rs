//! What rustc does not hand the macro: the attributes written above `#[aggregate]` on a struct,
//! read from the source file. Derives written there expand before `#[aggregate]`, on the struct
//! without its hidden field, and rustc removes them from the tokens the macro receives; only the
//! file still shows them.

/// The `#[derive(...)]` attributes (and `cfg_attr`s that derive) written directly above the
/// macro's own attribute, as written; empty when there are none or the source cannot be read
/// (a macro-generated item, a test outside a compiler).
pub fn derives_above_call_site() -> Vec<String> {
    if !proc_macro::is_available() {
        return Vec::new();
    }
    let call_site = proc_macro::Span::call_site();
    let Some(path) = call_site.local_file() else {
        return Vec::new();
    };
    let Ok(source) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    // An attribute written by another macro may be placed elsewhere than the item's text:
    // only a call site that shows the attribute itself is read.
    let line = call_site.line();
    let shows_attribute = source
        .lines()
        .nth(line.saturating_sub(1))
        .is_some_and(|text| text.contains("aggregate"));
    if !shows_attribute {
        return Vec::new();
    }
    derives_above(&source, line)
}

/// The derive attributes among the attributes (and comments) that directly precede line
/// `line` (1-based) of `source`.
pub fn derives_above(source: &str, line: usize) -> Vec<String> {
    let before: Vec<&str> = source.lines().take(line.saturating_sub(1)).collect();
    let mut text = before.join("\n");
    let mut derives = Vec::new();
    loop {
        let trimmed = text.trim_end();
        if let Some(last) = trimmed.lines().next_back()
            && last.trim_start().starts_with("//")
        {
            let cut = trimmed.len() - last.len();
            text = trimmed[..cut].to_owned();
            continue;
        }
        let Some(start) = attribute_start(trimmed) else {
            break;
        };
        let attribute = trimmed[start..].trim();
        let compact: String = attribute.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.starts_with("#[derive(")
            || (compact.starts_with("#[cfg_attr(") && compact.contains("derive("))
        {
            derives.push(attribute.to_owned());
        }
        text = trimmed[..start].to_owned();
    }
    derives.reverse();
    derives
}

/// Where the attribute that `text` ends with starts (its `#`), if it ends with one.
fn attribute_start(text: &str) -> Option<usize> {
    if !text.ends_with(']') {
        return None;
    }
    let mut depth = 0usize;
    for (index, c) in text.char_indices().rev() {
        match c {
            ']' => depth += 1,
            '[' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    let hash = text[..index].trim_end();
                    return hash.ends_with('#').then(|| hash.len() - 1);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::derives_above;

    #[test]
    fn derives_directly_above_are_found() {
        let source = "use x;\n\n/// A world.\n#[derive(Debug,\n    Clone)]\n// note\n#[serde(rename_all = \"x\")]\n#[aggregate]\npub struct World {}\n";
        assert_eq!(derives_above(source, 8), ["#[derive(Debug,\n    Clone)]"]);
        let cfg = "#[cfg_attr(test, derive(PartialEq))]\n#[aggregate]\nstruct W;";
        assert_eq!(
            derives_above(cfg, 2),
            ["#[cfg_attr(test, derive(PartialEq))]"]
        );
    }

    #[test]
    fn derives_of_other_items_or_below_are_not() {
        let source = "#[derive(Debug)]\nstruct Other;\n\n#[aggregate]\n#[derive(Debug)]\npub struct World {}\n";
        assert!(derives_above(source, 4).is_empty());
        assert!(derives_above("#[aggregate]\nstruct W;", 1).is_empty());
        assert!(derives_above("", 0).is_empty());
    }
}
