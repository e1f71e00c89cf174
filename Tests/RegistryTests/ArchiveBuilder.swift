import CArchive
import Foundation

/// Writes tar archives with libarchive's write API, including the hostile entries a safe
/// extractor must refuse.
enum ArchiveBuilder {
    enum Member {
        case file(String, Data, mode: UInt32 = 0o644)
        case directory(String)
        case symlink(String, to: String)
        case hardlink(String, to: String)
        case fifo(String)
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func write(_ members: [Member], to url: URL, gzip: Bool = true) throws {
        guard let archive = archive_write_new() else { throw Failure(description: "archive_write_new") }
        defer { archive_write_free(archive) }
        func check(_ status: Int32) throws {
            guard status == ARCHIVE_OK else { throw Failure(description: archive_error_string(archive).map { String(cString: $0) } ?? "libarchive") }
        }
        if gzip { try check(archive_write_add_filter_gzip(archive)) }
        try check(archive_write_set_format_pax_restricted(archive))
        try check(archive_write_open_filename(archive, url.path))
        for member in members {
            guard let entry = archive_entry_new() else { throw Failure(description: "archive_entry_new") }
            defer { archive_entry_free(entry) }
            var data = Data()
            switch member {
            case .file(let path, let contents, let mode):
                archive_entry_set_pathname(entry, path)
                archive_entry_set_filetype(entry, 0o100000)
                archive_entry_set_perm(entry, mode)
                archive_entry_set_size(entry, la_int64_t(contents.count))
                data = contents
            case .directory(let path):
                archive_entry_set_pathname(entry, path)
                archive_entry_set_filetype(entry, 0o040000)
                archive_entry_set_perm(entry, 0o755)
            case .symlink(let path, let target):
                archive_entry_set_pathname(entry, path)
                archive_entry_set_filetype(entry, 0o120000)
                archive_entry_set_symlink(entry, target)
            case .hardlink(let path, let target):
                archive_entry_set_pathname(entry, path)
                archive_entry_set_filetype(entry, 0o100000)
                archive_entry_set_hardlink(entry, target)
            case .fifo(let path):
                archive_entry_set_pathname(entry, path)
                archive_entry_set_filetype(entry, 0o010000)
                archive_entry_set_perm(entry, 0o644)
            }
            try check(archive_write_header(archive, entry))
            if !data.isEmpty {
                let written = data.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, $0.count) }
                guard written == data.count else { throw Failure(description: "archive_write_data") }
            }
        }
        try check(archive_write_close(archive))
    }

    /// An uncompressed tar whose one entry declares `size` bytes but carries one block: the
    /// header alone is what a safe extractor must refuse, so no gigabytes are written here.
    /// The size is in the base-256 form tar uses beyond 8 GiB.
    static func writeDeclaringSize(_ size: Int64, path: String, to url: URL) throws {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int) { for (index, byte) in text.utf8.enumerated() { header[offset + index] = byte } }
        put(path, at: 0)
        put("0000644\0", at: 100)
        put("0000000\0", at: 108)
        put("0000000\0", at: 116)
        header[124] = 0x80
        for index in 0..<8 { header[135 - index] = UInt8(truncatingIfNeeded: size >> (8 * index)) }
        put("00000000000\0", at: 136)
        header[156] = UInt8(ascii: "0")
        put("ustar\0", at: 257)
        put("00", at: 263)
        put("        ", at: 148)
        let sum = header.reduce(0) { $0 + Int($1) }
        put(String(format: "%06o\0 ", sum), at: 148)
        let data = header + [UInt8](repeating: UInt8(ascii: "x"), count: 512) + [UInt8](repeating: 0, count: 1024)
        try Data(data).write(to: url)
    }
}
