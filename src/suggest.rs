//! "Did you mean": the names closest to a word that names nothing, by edit distance.

/// How many names a suggestion offers at most.
const MAX_SUGGESTIONS: usize = 3;

/// Levenshtein distance, case-insensitive, over characters. With `anywhere`, the distance of
/// `word` to the closest part of `name` (what a `*word*` glob needs to match).
fn distance(word: &str, name: &str, anywhere: bool) -> usize {
    let a: Vec<char> = word.chars().flat_map(char::to_lowercase).collect();
    let b: Vec<char> = name.chars().flat_map(char::to_lowercase).collect();
    // row[j]: the distance of the word so far to name[..j] (to any part ending at j, anywhere).
    let mut row: Vec<usize> = (0..=b.len())
        .map(|j| if anywhere { 0 } else { j })
        .collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diag + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    if anywhere {
        row.into_iter().min().unwrap_or(0)
    } else {
        row[b.len()]
    }
}

/// The edits a word of this length may be away from a name and still be taken for a typo; a
/// part of a name needs more letters for each edit, since it has more places to match.
fn tolerance(word: &str, anywhere: bool) -> usize {
    let n = word.chars().count();
    if anywhere {
        (n / 5).min(3)
    } else {
        (n / 4).clamp(1, 3)
    }
}

/// The names closest to `word` (whole names), nearest first, within a typo's reach.
pub fn closest<'n>(word: &str, names: impl IntoIterator<Item = &'n str>) -> Vec<&'n str> {
    nearest(word, names, false)
}

/// The names holding a part closest to `word`, as a glob's literal text is meant to.
pub fn containing<'n>(word: &str, names: impl IntoIterator<Item = &'n str>) -> Vec<&'n str> {
    nearest(word, names, true)
}

fn nearest<'n>(
    word: &str,
    names: impl IntoIterator<Item = &'n str>,
    anywhere: bool,
) -> Vec<&'n str> {
    if word.is_empty() {
        return Vec::new();
    }
    let limit = tolerance(word, anywhere);
    let mut scored: Vec<(usize, &str)> = names
        .into_iter()
        .map(|n| (distance(word, n, anywhere), n))
        .filter(|(d, _)| *d <= limit)
        .collect();
    scored.sort_by_key(|(d, _)| *d);
    let best = scored.first().map_or(0, |(d, _)| *d);
    scored
        .into_iter()
        .take_while(|(d, _)| *d == best)
        .take(MAX_SUGGESTIONS)
        .map(|(_, n)| n)
        .collect()
}

/// `a`, `a or b`, `a, b or c`, each in quotes: what a "did you mean" names.
pub fn either(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_names() {
        let names = [
            "notification",
            "notification.order",
            "notification.orderComplete",
        ];
        assert_eq!(closest("notifcation", names), ["notification"]);
        assert_eq!(closest("NOTIFICATION.ORDR", names), ["notification.order"]);
        assert!(closest("wallet", names).is_empty());
        assert!(closest("", names).is_empty());
    }

    #[test]
    fn glob_text_finds_names_that_hold_it() {
        let names = ["notification.disputeOpen", "message.direct", "reply.rating"];
        assert_eq!(containing("dispte", names), ["notification.disputeOpen"]);
        assert_eq!(containing("direct", names), ["message.direct"]);
        assert!(containing("foo", names).is_empty());
    }

    #[test]
    fn suggestions_read_as_a_sentence() {
        assert_eq!(either(&["a"]), "'a'");
        assert_eq!(either(&["a", "b"]), "'a' or 'b'");
        assert_eq!(either(&["a", "b", "c"]), "'a', 'b' or 'c'");
    }
}
