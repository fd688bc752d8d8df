import Foundation

/// Writes files so that a crash leaves either the old or the new content, whole, never a mix.
public enum AtomicFile {
    /// Replaces the file at `path` with `data`: writes `path.tmp`, flushes it to disk, renames
    /// it over `path`, then flushes the directory so the rename itself is on disk. The new
    /// file keeps the old one's permission bits (0644 for a new file); when `path` is a
    /// symbolic link, its target is replaced and the link kept.
    public static func write(path: String, data: Data) throws {
        let target = resolvedTarget(of: path)
        let temporary = target + ".tmp"
        var mode: mode_t = 0o644
        var existing = stat()
        if stat(target, &existing) == 0 { mode = existing.st_mode & 0o7777 }

        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw AtomicFileError.posix(temporary, "cannot create the file") }
        do {
            _ = fchmod(fd, mode)  // open's mode went through the umask
            try writeAll(fd, data, path: temporary)
            guard fsync(fd) == 0 else { throw AtomicFileError.posix(temporary, "cannot flush the file to disk") }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard close(fd) == 0 else {
            let error = AtomicFileError.posix(temporary, "cannot close the file")
            unlink(temporary)
            throw error
        }
        guard rename(temporary, target) == 0 else {
            let error = AtomicFileError.posix(target, "cannot rename \(temporary) over the file")
            unlink(temporary)
            throw error
        }
        try syncDirectory(containing: target)
    }

    /// Flushes a directory's entries (a rename or unlink inside it) to disk.
    public static func syncDirectory(containing path: String) throws {
        var directory = (path as NSString).deletingLastPathComponent
        if directory.isEmpty { directory = "." }
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw AtomicFileError.posix(directory, "cannot open the directory") }
        defer { close(fd) }
        // Some file systems cannot sync a directory; they say so with EINVAL.
        guard fsync(fd) == 0 || errno == EINVAL else { throw AtomicFileError.posix(directory, "cannot flush the directory to disk") }
    }

    /// The file a path names: a symbolic link's target, or the path itself.
    static func resolvedTarget(of path: String) -> String {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFLNK, let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func writeAll(_ fd: Int32, _ data: Data, path: String) throws {
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let n = Foundation.write(fd, base + offset, min(buffer.count - offset, 1 << 30))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw AtomicFileError.posix(path, "cannot write the file")
                }
                offset += n
            }
        }
    }
}

/// A file that could not be written: its path and the system's reason.
public struct AtomicFileError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let message: String
    public var description: String { "\(path): \(message)" }

    static func posix(_ path: String, _ what: String) -> AtomicFileError {
        AtomicFileError(path: path, message: "\(what): \(String(cString: strerror(errno)))")
    }
}
