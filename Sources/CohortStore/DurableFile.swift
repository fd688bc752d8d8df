import CohortEngine
import Foundation

extension CohortStore {
    /// Replaces the file at `path` with `data` so that a crash leaves either the old or the new file, whole.
    ///
    /// Writes `path.tmp`, fsyncs it, renames it over `path`, then fsyncs the directory so the
    /// rename itself is on disk. The new file keeps the old one's permission bits (0644 for a
    /// new file); when `path` is a symbolic link, its target is replaced and the link kept.
    public static func writeFileAtomically(path: String, data: Data) throws {
        try DurableFile.replace(path: path, data: data)
    }
}

/// File operations whose result survives a crash, or that check a file is whole: POSIX calls with errors that name the file.
enum DurableFile {
    /// See `CohortStore.writeFileAtomically` (the engine's `AtomicFile`, with the store's error type).
    static func replace(path: String, data: Data) throws {
        do { try AtomicFile.write(path: path, data: data) } catch let e as AtomicFileError {
            throw CohortStoreError(path: e.path, message: e.message)
        }
    }

    /// Flushes a directory's entries (a rename or unlink inside it) to disk.
    static func syncDirectory(containing path: String) throws {
        do { try AtomicFile.syncDirectory(containing: path) } catch let e as AtomicFileError {
            throw CohortStoreError(path: e.path, message: e.message)
        }
    }

    /// Reads a whole file, or nil when it is missing, unreadable or not exactly `expectedBytes` long.
    static func readFile(_ path: String, expectedBytes: Int64) -> Data? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, Int64(info.st_size) == expectedBytes, let count = Int(exactly: expectedBytes) else { return nil }
        var data = Data(count: count)
        let complete = data.withUnsafeMutableBytes { (buffer: UnsafeMutableRawBufferPointer) -> Bool in
            guard let base = buffer.baseAddress else { return true }
            var offset = 0
            while offset < count {
                let n = read(fd, base + offset, min(count - offset, 1 << 30))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        return complete ? data : nil
    }

    static func posixError(_ path: String, _ what: String) -> CohortStoreError {
        let code = errno
        return CohortStoreError(path: path, message: "\(what): \(String(cString: strerror(code)))")
    }
}
