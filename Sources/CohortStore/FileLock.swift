import Foundation

/// An exclusive advisory lock on a file (`flock`), held until the value is dropped; excludes other processes and other opens in this one.
struct FileLock: ~Copyable {
    private let fd: Int32

    init(path: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DurableFile.posixError(path, "cannot open the lock file") }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let error = DurableFile.posixError(path, "cannot lock the file")
                close(fd)
                throw error
            }
        }
        self.fd = fd
    }

    deinit { close(fd) }
}
