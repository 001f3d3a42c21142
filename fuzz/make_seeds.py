#!/usr/bin/env python3
"""Writes the committed seed corpora (fuzz/seeds/TARGET/) from the recorded fixtures, the real
node's REST bodies and a few hostile shapes. Re-run after changing it; the seeds stay small
(a few dozen files per target). Usage: python3 fuzz/make_seeds.py"""

import hashlib
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SEEDS = os.path.join(HERE, "seeds")


def fixture_frames(name):
    text = open(os.path.join(ROOT, "tests", "fixtures", name), encoding="utf-8").read()
    out = []
    for part in text.split("\n{"):
        part = part.strip()
        out.append(part if part.startswith("{") else "{" + part)
    return out


def compact(frame):
    return json.dumps(json.loads(frame), separators=(",", ":"), ensure_ascii=False)


def rest_bodies():
    d = "/work/shared/real-node/rest"
    names = ["c07-chatmessages-limit1.body", "n05-notifications-limit1-offset.body",
             "c01-chatconversations.body", "n08-notifications-badlimit.body"]
    out = []
    for n in names:
        p = os.path.join(d, n)
        if os.path.exists(p):
            out.append(open(p, "rb").read())
    return out


# Frames a hostile peer or a broken recording could send.
HOSTILE = [
    '{"message":{"peerId":"QmPeer1234567","message":"&\u65e5\u672c\u8a9e\u65e5\u672c\u8a9e"}}',
    '{"message":{"peerId":"QmPeer1234567","message":"&amp;\u00e9\u00e9\u00e9\u00e9\u00e9"}}',
    '{"message":{"peerId":"QmPeer1234567","message":"\x1b]52;c;aGk=\x07\x1b[2J"}}',
    '{"message":{"peerId":"QmPeer1234567","message":"\\u001b]0;title\\u0007 &#27;[2J &#x9b;"}}',
    '{"message":{"peerId":"Qm","message":"@ali\u200bce \u202egnp.exe \u2066x\u2069 \u0085"}}',
    '{"notification":{"type":"orderConfirmation","orderId":"Qm\\ud800x","buyerHandle":"\\ud83d\\ude00"}}',
    '{"wallet":{"value":"-1e-5","txid":"ab"}}',
    '{"wallet":{"value":{"amount":"18446744073709551616","currency":{"code":"BTC","divisibility":8}}}}',
    '{"a":01}',
    '{"a":"\\u+04F"}',
    '{"a":1e+-5}',
    '{"a":"\\',
    '{"status":"publishing"}',
    '{"id":"x","peerId":"Qm","ratingId":"r","rating":{"overall":5}}',
    '[' * 140 + ']' * 140,
    '{"a":-0,"b":1.0e400,"c":123456789012345678901234567890,"d":1E-7}',
    '"just a string"',
    '{"walletUpdate":{}, "walletUpdate":1}',
    '{"message":{"subject":"","message":"line\\nbreak\\ttab\\r"}}',
    '{"\u0000":"\x7f\u0080\u009f"}',
]

# Spellings that decide a kind differently if read carelessly: the compact target's one pass
# must find the classifier's kind on them and on what the fuzzer makes of them.
KIND_EDGES = [
    '{"notification":{"type":"order"},"notification":{"type":"cancel"}}',
    '{"st\\u0061tus":"publ\\u0069shing","status\\ud800":"publishing"}',
    '{"notification":{"typ\\u0065":"\\ud800x","type":""}}',
    '{"wallet":{"value":{"amount":"-3"}},"message":{"subject":"\\udc00"},"wallet":{"value":1e400}}',
    '[{"walletUpdate":{}}]',
    '{"\\u0069d":1,"peerID":"Qm","error":"x","status":["publishing"],"messageRead":{}}',
]

RECORD = ('{"time":"2020-11-20T19:01:44.218733Z","kind":"message.direct","source":"ws://a@h:1/ws",'
          '"frame":{"message":{"message":"hi","peerId":"Qm"}}}')
RECORD_BAD = ('{"time":"2020-11-20T19:01:44Z","kind":"invalid","source":"\\u001b[2J",'
              '"error":"not JSON","text":"{\\"a\\":"}')
RECORD_B64 = ('{"time":"2020-11-20T19:01:44Z","kind":"invalid","source":"x",'
              '"error":"binary frame of 3 bytes","base64":"AAEC"}')


def ws_frame(payload, opcode=1, fin=True):
    """One unmasked server frame, as a node sends it."""
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack(">H", n)
    else:
        head += bytes([127]) + struct.pack(">Q", n)
    return head + payload


def write(target, items):
    """Replaces the generated seeds (named by their hash) and keeps the regression seeds, the
    inputs a fuzzer once failed on, which are named by hand (`lone-surrogate-key`)."""
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    for name in os.listdir(d):
        if len(name) == 16 and all(c in "0123456789abcdef" for c in name):
            os.remove(os.path.join(d, name))
    for item in items:
        if isinstance(item, str):
            item = item.encode("utf-8", "surrogatepass")
        name = hashlib.sha1(item).hexdigest()[:16]
        with open(os.path.join(d, name), "wb") as f:
            f.write(item)


def main():
    frames = fixture_frames("guide-0.13.json") + fixture_frames("session-0.14.json")
    # One pretty and one compact of each shape, but no more than the corpus needs.
    seen, picked = set(), []
    for fr in frames:
        key = compact(fr)[:40]
        if key in seen:
            continue
        seen.add(key)
        picked.append(fr)
    picked = picked[:16]
    single = [compact(f) for f in picked] + picked[:6] + HOSTILE + [RECORD]
    single = [s.encode("utf-8", "surrogatepass") if isinstance(s, str) else s for s in single]
    single += rest_bodies()
    single = single[:48]

    for t in ["skim", "classify", "json_text", "json_tree"]:
        write(t, single)
    write("compact", single + [s.encode("utf-8") for s in KIND_EDGES])
    write("jq_read_write", [bytes([i]) + s for i, s in enumerate(single)])
    write("render", [bytes([i % 8, 8]) + b"ws://n1/" + s for i, s in enumerate(single)])

    streams = [
        "\n".join(compact(f) for f in picked[:4]) + "\n",
        "\n".join(picked[4:7]),
        "\n".join([RECORD, RECORD_BAD, RECORD_B64, "not json at all", compact(picked[0])]) + "\n",
        picked[7] + picked[8] + "\r\n  " + compact(picked[9]),
        '{"a":"\\\n{"b":1}\n{"c":\n[1,\n{"d":2}]',
        "\n".join(HOSTILE[:12]),
        "{\n\"message\": {\n\"message\": \"zero indent\",\n\"peerId\": \"Qm\"\n}\n}\n{\n\"status\": \"publishing\"\n}",
        '{"a":"' + "x" * 300 + '"}\n{"b":1}\n' + "y" * 200 + "\n",
    ]
    streams = [s.encode("utf-8") for s in streams]
    write("replay", [bytes([h, 1, 7, 64]) + s for h, s in zip([0, 0x90, 0, 0x85, 0, 0, 0, 0xa0], streams)])
    write("filter_e2e", [bytes([o]) + s for o, s in zip([0, 1, 2, 0x13, 0x24, 5, 0x36, 0x80], streams)])

    texts = [
        "&amp;lt; &lt;b&gt; &#34;quoted&#34; &#39;single&#39; &#x1F600; &#128512;",
        "&\u65e5\u672c\u8a9e\u65e5\u672c\u8a9e", "&amp;\u00e9\u00e9\u00e9\u00e9\u00e9",
        "&#27;[2J &#x1b;]52;c;aGk=&#7; &#155;", "@ali\u200bce \u202egnp.exe \u2066x\u2069 \u0085 \ufeff",
        "\x1b[31mred\x1b[0m\ttab\nnewline\r\x7f", "&#0; &#1114111; &#1114112; &#xD800; &#;&#x;&",
        "plain ascii text", "QmWAR5oEmzvjwF9cK4c8F7AumD4tsz857GdbyY3Qi65sqd",
        "ali\U000E0100ce \ufe0e \u2065 \ufff0 \U0001BCA0 \U00013430 \u0600 \ufdd0",
        "a" + "\u0301" * 40 + "b\u0301\u0302 e\u0301",
        "\u2764\ufe0f 1\ufe0f\u20e3 \U0001F469\u200d\U0001F4BB x\ufe0f \U0001F3F3\ufe0f\u200d\U0001F308",
    ]
    write("sanitize", texts)

    write("url", [
        "ws://admin\x01secret\x01127.0.0.1:4002/ws",
        "ws://admin\x01pa/ss\x01127.0.0.1:9/ws",
        "wss://u%40x\x01p?a#b@c\x01[::1]:4002/ws?x=1",
        "http://admin\x01%2F%3F\x01node.example:443",
        "admin\x01pw\x01localhost",
        "https://user:name\x01\x01host/",
        "ws://127.0.0.1:4002/ws",
        "wss://[fe80::1]:4002",
        "localhost:4002?token=1",
        "ws://127.0.0.1:49870/node@127.0.0.1:49871/ws\x01x\x01",
        "wss//user\x01pw\x01host",
        "ws://u\x01a%2Fb%3Fc%23d\x01h:1/ws",
        "ws:/h:1\x01\x01",
    ])
    write("cookie", [
        b"\x00abcdef0123456789\n", b"\x01abcdef\r\nsecond line\n", b"\x02password with spaces \n",
        b"\x00 \t\n", b"\x00\xff\xfe", b"\x03pa\x01ss\r\n", b"\x00\x7fdel",
    ])
    wires = [
        ws_frame(compact(picked[0]).encode()),
        ws_frame(HOSTILE[2].encode()) + ws_frame(b"\x89\x00", 9) + ws_frame(HOSTILE[4].encode()),
        ws_frame(b"\x00\x01\x02", 2) + ws_frame(b"\xff\xfe", 1),
        ws_frame(b'{"message":', 1, fin=False) + ws_frame(b'{"message":"split"}}', 0),
        ws_frame(b"x" * 40) + ws_frame(b'{"status":"publishing"}'),
        ws_frame(b"", 8),
        ws_frame(RECORD.encode()),
    ]
    answer = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"
    write("text_marks", [bytes([m, 1, 7, 200]) + (w if m & 1 == 0 else answer + w)
                         for m, w in zip([0, 0, 1, 0, 1, 0, 0], wires)]
          + [b"\x01\x05\x05\x05HTTP/1.1 401 Unauthorized\r\n\r\n\x81\x01a"])
    write("live_frame", [bytes([o]) + w for o, w in zip([0, 0, 4, 2, 1, 0, 6], wires)])

    # What a port may answer a websocket request with (issue 19): a node, a refusal, Go's
    # answer on a TLS port, a TLS alert, the swarm port's multistream, a page, a redirect.
    write("handshake", [bytes([s]) + a for s, a in zip([0, 1, 2, 3, 4, 5, 6, 7, 8], [
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: x\r\n\r\n",
        b"HTTP/1.1 403 Forbidden\r\nContent-Length: 15\r\n\r\n403 - Forbidden",
        b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n",
        b"\x15\x03\x03\x00\x02\x02\x28",
        b"\x13/multistream/1.0.0\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
        b"HTTP/1.1 301 Moved Permanently\r\nLocation: /x\r\n\r\n",
        b"HTTP/1.1 401 \x1b[2J\r\n\r\n",
        b"",
    ])])
    # Close payloads: none, one byte, clean codes, reserved ones, a reason that is not UTF-8;
    # the byte before each is its length, what follows it frames read first.
    closes = [b"", b"\x03", b"\x03\xe8bye", b"\x03\xe9", b"\x03\xed", b"\x03\xe7",
              b"\x03\xe8bye \xff\xfe", b"\x0f\xa0app", b"\x13\x88", b"\x00\x00"]
    write("close_frame", [bytes([len(c)]) + c + b'{"status":"publishing"}' for c in closes])
    # Handles: twins, the same handle twice, mixed scripts, names in two scripts, emoji.
    write("lookalike", [s.encode("utf-8") for s in [
        "alice\x01\u0430lice", "paypal\x01paypa1", "bob\x01bob", "@alice\x01alice",
        "\u0430\u0435\x01ae", "\u0418\u0432\u0430\u043d Ivanov\x01Ivan",
        "shop\u200bname\x01shopname", "\u65e5\u672c\u8336\u306e\u5e97\x01x",
        "rocket\U0001F680\x01rocket", "copy\x01\u0441\u043e\u0440\u0443\x01a\x01b",
    ]])

    # Order lists (issue 22): the real node's answers, then what no honest node sends. The
    # first byte picks the list (sales, purchases, cases) and the width lines are cut to.
    real = os.path.join(ROOT, "tests", "fixtures", "real-node", "rest", "orders")
    lists = [open(os.path.join(real, n + ".body"), "rb").read() for n in [
        "22-A-sales", "34-B-purchases", "03-A-sales-empty", "86-A-sales-TZ-NewYork",
        "09-A-sales-badlimit"]]
    lists += [s.encode("utf-8", "surrogatepass") for s in [
        '{"cases":[{"caseId":"QmCase","state":"DISPUTED","buyerOpened":false,"timestamp":'
        '"2026-01-01T00:00:00Z","buyerHandle":"b\u001b[2J","vendorHandle":"&#27;]0;x&#7;",'
        '"title":"\u202e\u0085 &amp;","total":{"amount":"1e400","currency":{"code":"\u0007"}}}]}',
        '{"sales":[{"orderId":"Qm1","state":"SHIPPED\u0000"},{"state":"PENDING"},"x",7,'
        '{"orderId":"Qm2","orderId":"Qm3","timestamp":"0001-01-01T00:00:00Z"}]}',
        '{"purchases":null,"queryCount":-1}',
        '{"purchases":{"orderId":"Qm"}}',
        '{"sales":[{"orderId":"\ud800","title":"\ud83d\ude00"}]}',
        '{"notification":{"orderId":"QmbMY8sGFe3kRqkHLWWGMzNwQoaQtbZCwYYUPYxS3zBfaa",'
        '"purchaseOrderId":"x y","disputeCaseId":"Qm\u0026"}}',
        '{"message":{"subject":"QmOrder","message":"hi"}}',
        '{"sales":[' + '{"orderId":"Q%d","state":"AWAITING_FULFILLMENT","moderated":true}' * 1 + ']}',
    ]]
    write("orders", [bytes([o]) + b for o, b in zip(range(0, 256, 7), lists)])


if __name__ == "__main__":
    main()
