//! What a stranger's text can and cannot do to a terminal, end to end: characters drawn as
//! nothing, stacked combining marks, and handles that imitate others.

mod support;

use support::*;

/// The code points issue 19 found drawn as nothing, which let `ali` + one of them + `ce`
/// read as `alice`.
const INVISIBLE: [char; 13] = [
    '\u{fe00}',
    '\u{fe0e}',
    '\u{e0100}',
    '\u{e01ef}',
    '\u{2065}',
    '\u{fff0}',
    '\u{fff8}',
    '\u{1bca0}',
    '\u{1bca3}',
    '\u{13430}',
    '\u{1343f}',
    '\u{600}',
    '\u{605}',
];

/// An order from a buyer whose handle, notification type and title carry `c`, then chat
/// whose text does.
fn frames_with(c: char) -> String {
    format!(
        "{{\"notification\":{{\"type\":\"ord{c}er\",\"buyerHandle\":\"ali{c}ce\",\"buyerId\":\"QmBuyer1\",\"title\":\"ali{c}ce\",\"orderId\":\"QmOrder1\"}}}}\n\
         {{\"message\":{{\"peerId\":\"QmBuyer1\",\"message\":\"I am ali{c}ce\",\"subject\":\"\"}}}}\n"
    )
}

#[test]
fn characters_drawn_as_nothing_are_escaped_in_every_format_and_mode() {
    for c in INVISIBLE {
        let input = frames_with(c);
        let runs: [&[&str]; 6] = [
            &["-o", "pretty"],
            &["-o", "json"],
            &["-o", "ndjson"],
            &["-o", "ndjson", "--envelope"],
            &[
                "-o",
                "pretty",
                "-r",
                "-f",
                ".notification.buyerHandle // .message.message",
            ],
            &[
                "-o",
                "json",
                "-f",
                "{h: .notification.buyerHandle, k: $kind}",
            ],
        ];
        for args in runs {
            let mut all = vec!["--replay", "-"];
            all.extend_from_slice(args);
            let o = run(&all, &input);
            assert!(o.status.success(), "{args:?}: {}", stderr(&o));
            let out = stdout(&o);
            assert!(out.lines().count() >= 2, "{args:?}: {out}");
            let hex = format!("{:x}", c as u32);
            assert!(!out.contains(c), "{args:?}: U+{hex} raw in {out}");
            assert!(!out.contains("alice"), "{args:?}: {out}");
            // Shown as an escape: `\u{e0100}`, or in JSON `\udb40\udd00`.
            let mut units = [0u16; 2];
            let unit = format!("{:04x}", c.encode_utf16(&mut units)[0]);
            let shown = out.to_lowercase();
            assert!(
                shown.contains(&hex) || shown.contains(&unit),
                "{args:?}: not shown: {out}"
            );
        }
    }
}

#[test]
fn a_tower_of_combining_marks_keeps_only_its_first_few() {
    let tower = "\u{301}".repeat(300);
    let input = format!(
        "{{\"message\":{{\"peerId\":\"QmBuyer1\",\"message\":\"a{tower}b\",\"subject\":\"\"}}}}\n"
    );
    for format in ["pretty", "json", "ndjson"] {
        let o = run(&["--replay", "-", "-o", format], &input);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = stdout(&o);
        let longest = out
            .split(|c| c != '\u{301}')
            .map(|run| run.chars().count())
            .max()
            .unwrap_or(0);
        assert_eq!(longest, 4, "{format}: {out}");
        assert!(out.contains("301"), "{format}: the rest is shown: {out}");
    }
}

#[test]
fn emoji_sequences_stay_whole_in_pretty_output() {
    let input = "{\"message\":{\"peerId\":\"QmBuyer1\",\"message\":\"❤️ 1️⃣ 👩‍💻 x\u{fe0f}\",\"subject\":\"\"}}\n";
    let o = run(&["--replay", "-", "-o", "pretty"], input);
    let out = stdout(&o);
    assert!(out.contains("❤️ 1️⃣ 👩‍💻 x\\u{fe0f}"), "{out}");
}

/// A stream where a stranger poses as vendors and buyers seen earlier.
const IMPOSTORS: &str = concat!(
    r#"{"notification":{"type":"order","buyerHandle":"@alice","buyerId":"QmAlice","title":"Mug","orderId":"QmOrder1"}}"#,
    "\n",
    r#"{"notification":{"type":"order","buyerHandle":"@аlice","buyerId":"QmMallory","title":"Mug","orderId":"QmOrder2"}}"#,
    "\n",
    r#"{"message":{"peerId":"QmMallory","message":"hi, it is me","subject":""}}"#,
    "\n",
    r#"{"notification":{"type":"orderConfirmation","vendorHandle":"paypal","vendorId":"QmPay","orderId":"QmOrder3"}}"#,
    "\n",
    r#"{"notification":{"type":"orderConfirmation","vendorHandle":"paypa1","vendorId":"QmFake","orderId":"QmOrder4"}}"#,
    "\n",
    r#"{"notification":{"type":"follow","peerId":"QmEve"}}"#,
    "\n",
    r#"{"notification":{"type":"orderConfirmation","vendorHandle":"bob","vendorId":"QmBob","orderId":"QmOrder5"}}"#,
    "\n",
    r#"{"notification":{"type":"orderConfirmation","vendorHandle":"bob","vendorId":"QmEve","orderId":"QmOrder6"}}"#,
    "\n",
);

#[test]
fn impostor_handles_are_marked_in_pretty_output() {
    let o = run(&["--replay", "-", "-o", "pretty"], IMPOSTORS);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 8, "{out}");
    assert!(
        lines[0].contains("@alice purchased") && !lines[0].contains('['),
        "{out}"
    );
    assert!(
        lines[1].contains("@аlice [mixed scripts: Cyrillic, Latin] purchased"),
        "{out}"
    );
    // The id the stream paired with the impostor's handle names its chat, marked too.
    assert!(
        lines[2].contains("@аlice [mixed scripts: Cyrillic, Latin]: hi"),
        "{out}"
    );
    assert!(
        lines[3].contains("@paypal accepted") && !lines[3].contains('['),
        "{out}"
    );
    assert!(
        lines[4].contains("@paypa1 [looks like @paypal] accepted"),
        "{out}"
    );
    assert!(
        lines[6].contains("@bob accepted") && !lines[6].contains('['),
        "{out}"
    );
    assert!(
        lines[7].contains("@bob [another peer had this handle first] accepted"),
        "{out}"
    );
}

#[test]
fn frames_filtered_out_still_teach_which_handles_came_first() {
    let o = run(
        &["--replay", "-", "-o", "pretty", "-t", "message"],
        IMPOSTORS,
    );
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.contains("@аlice [mixed scripts: Cyrillic, Latin]: hi"),
        "{out}"
    );
}

#[test]
fn json_formats_keep_their_bytes_and_programs_get_suspect() {
    for format in ["ndjson", "raw"] {
        let o = run(&["--replay", "-", "-o", format], IMPOSTORS);
        assert_eq!(stdout(&o), IMPOSTORS, "{format}");
    }
    let o = run(
        &[
            "--replay",
            "-",
            "-o",
            "ndjson",
            "-f",
            "select($suspect != []) | $suspect[]",
        ],
        IMPOSTORS,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let want = [
        r#"{"field":"notification.buyerHandle","text":"аlice","why":"mixed scripts","scripts":["Cyrillic","Latin"]}"#,
        r#"{"field":"notification.vendorHandle","text":"paypa1","why":"looks like","like":"paypal"}"#,
        r#"{"field":"notification.vendorHandle","text":"bob","why":"another peer"}"#,
    ];
    assert_eq!(stdout(&o).lines().collect::<Vec<_>>(), want);
}
