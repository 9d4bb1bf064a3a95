/// How the bytes of an input file become text. Excel on Windows saves "CSV (Comma delimited)",
/// the first CSV type in its Save As list, in Windows-1252, not UTF-8: a school named
/// "St Mary’s" arrives with the byte 0x92 for its apostrophe. Such a file is read as
/// Windows-1252, which only changes how names read (every number and code is ASCII, the same
/// in both), and `placeplan check` says so. What cannot be read right is refused with where:
/// UTF-16 ("Unicode Text"), a workbook or other binary file saved under a CSV name, and a
/// file that mixes UTF-8 with another encoding.
enum TextEncoding: Sendable, Equatable {
    /// UTF-8 (or plain ASCII), as "CSV UTF-8 (Comma delimited)" saves.
    case utf8
    /// Windows-1252, as "CSV (Comma delimited)" saves on Windows.
    case windows1252

    /// The text of `bytes` (a byte-order mark already dropped) as UTF-8 bytes, and the
    /// encoding it was read in. UTF-8 is taken as it is; bytes that are not UTF-8 anywhere are
    /// read as Windows-1252. Errors name the line and character of the first byte that neither
    /// reads, and say what the file is when it is UTF-16.
    static func utf8Bytes(_ bytes: ArraySlice<UInt8>, path: String) throws(PlacePlanError) -> (bytes: ArraySlice<UInt8>, encoding: TextEncoding) {
        // Text never holds a zero byte (though UTF-8 allows one): a file that does is not a
        // CSV file, or is UTF-16.
        if !bytes.contains(0), bytes.allSatisfy({ $0 < 0x80 }) || String(validating: bytes, as: UTF8.self) != nil { return (bytes, .utf8) }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            throw .unreadableFile(path: path, reason: "an Excel workbook (.xlsx) or other zip file, not CSV text (save the sheet as 'CSV UTF-8 (Comma delimited)')")
        }
        if bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            throw .unreadableFile(path: path, reason: "an Excel 97-2003 workbook (.xls), not CSV text (save the sheet as 'CSV UTF-8 (Comma delimited)')")
        }
        if bytes.contains(0) {
            // UTF-16 has a zero byte in every other place of plain text; anything else with
            // zero bytes is not text at all.
            let head = bytes.prefix(400), zeros = head.count { $0 == 0 }
            let utf16 = bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) || zeros * 3 >= head.count
            throw .unreadableFile(
                path: path,
                reason: utf16 ? "UTF-16 text, as Excel saves 'Unicode Text' (save it as 'CSV UTF-8 (Comma delimited)')" : "binary data, not text (give the CSV file, saved as 'CSV UTF-8 (Comma delimited)')")
        }
        // Where the first byte that is not UTF-8 is, and whether any multi-byte UTF-8 sequence
        // (a name in UTF-8) comes before or after it: then the file mixes two encodings, and
        // reading it either way would garble part of it.
        var i = bytes.startIndex, firstBad: Int?, sawUTF8 = false
        while i < bytes.endIndex {
            let length = utf8SequenceLength(bytes, at: i)
            if length > 1 { sawUTF8 = true }
            if length == 0 {
                if firstBad == nil { firstBad = i }
                i += 1
            } else {
                i += length
            }
        }
        guard let bad = firstBad else { return (bytes, .utf8) }  // cannot happen: the whole was not UTF-8
        if sawUTF8 {
            throw .unreadableFile(
                path: path, reason: "\(position(bytes, bad)) is byte 0x\(hex(bytes[bad])), not UTF-8, though other names in the file are UTF-8: the file mixes two encodings (save it as 'CSV UTF-8 (Comma delimited)')")
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 16)
        for (k, b) in zip(bytes.indices, bytes) {
            guard b >= 0x80 else {
                out.append(b)
                continue
            }
            let scalar = b >= 0xA0 ? UInt32(b) : windows1252High[Int(b - 0x80)]
            guard scalar != 0, let u = Unicode.Scalar(scalar) else {
                throw .unreadableFile(path: path, reason: "\(position(bytes, k)) is byte 0x\(hex(b)), which is neither UTF-8 nor Windows-1252 (save it as 'CSV UTF-8 (Comma delimited)')")
            }
            out.append(contentsOf: UTF8.encode(u)!)
        }
        return (out[...], .windows1252)
    }

    /// The text of a whole file (a YAML scenario or options file): a UTF-8 byte-order mark
    /// dropped, then read as ``utf8Bytes(_:path:)`` reads a CSV file.
    static func text(_ data: [UInt8], path: String) throws(PlacePlanError) -> String {
        var bytes = data[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        return String(decoding: try utf8Bytes(bytes, path: path).bytes, as: UTF8.self)
    }

    /// Windows-1252's characters for the bytes 0x80-0x9F (0 where it has none); 0xA0-0xFF are
    /// the Unicode scalars of the same value.
    private static let windows1252High: [UInt32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ]

    /// The length of the well-formed UTF-8 sequence at `i` (1 for ASCII), or 0 if there is none.
    private static func utf8SequenceLength(_ bytes: ArraySlice<UInt8>, at i: Int) -> Int {
        let b = bytes[i]
        if b < 0x80 { return 1 }
        let length = b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xF0 && b <= 0xF4 ? 4 : 0
        guard length > 0, i + length <= bytes.endIndex else { return 0 }
        return String(validating: bytes[i..<(i + length)], as: UTF8.self) == nil ? 0 : length
    }

    /// "line 3, character 17" for the byte at `i`: the characters before it on its line, as
    /// UTF-8 where they are (a byte that is not counts as one).
    private static func position(_ bytes: ArraySlice<UInt8>, _ i: Int) -> String {
        let before = bytes[bytes.startIndex..<i]
        let line = before.count { $0 == UInt8(ascii: "\n") } + 1
        let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? bytes.startIndex
        return "line \(line), character \(String(decoding: bytes[lineStart..<i], as: UTF8.self).unicodeScalars.count + 1)"
    }

    private static func hex(_ b: UInt8) -> String {
        let s = String(b, radix: 16, uppercase: true)
        return s.count == 1 ? "0" + s : s
    }
}
