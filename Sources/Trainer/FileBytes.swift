// Reading a file's bytes with open/fstat/read, and errno turned into plain words ("is a directory").

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file could not be read: `path: reason`, the reason in plain words (never a Foundation error code).
public struct FileError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// The reason for an `errno` value from open, read or stat.
    public init(path: String, errno code: Int32) {
        self.init(path: path, reason: FileError.words(errno: code))
    }

    public var description: String { "\(path): \(reason)" }

    /// errno in plain words: ENOENT "no such file", EISDIR "is a directory", ELOOP "too many levels of
    /// symbolic links", … and the C library's own text for the rarer ones.
    public static func words(errno code: Int32) -> String {
        switch code {
        case ENOENT: return "no such file"
        case EISDIR: return "is a directory, not a file"
        case EACCES, EPERM: return "permission denied"
        case ELOOP: return "too many levels of symbolic links"
        case ENOTDIR: return "a part of the path is not a directory"
        case ENAMETOOLONG: return "the path is too long"
        case ENOSPC: return "no space left on device"
        case EDQUOT: return "disk quota exceeded"
        case EMFILE, ENFILE: return "too many open files"
        case EIO: return "input/output error"
        case EROFS: return "read-only file system"
        case ENXIO, ENODEV: return "no such device"
        default:
            guard let text = strerror(code) else { return "error \(code)" }
            return String(cString: text).lowercased()
        }
    }
}

/// An open file read sequentially in chunks; closed when the reader goes away.
public final class FileReader {
    public let path: String
    /// The size in bytes for a regular file (nil for pipes and devices).
    public let size: Int?
    private let fd: Int32

    /// Opens `path` for reading. A directory is refused here, not at the first read.
    public init(path: String) throws(FileError) {
        self.path = path
        guard !path.isEmpty else { throw FileError(path: "''", reason: "an empty path is not a file") }
        guard !path.utf8.contains(0) else { throw FileError(path: path, reason: "the path contains a NUL byte") }
        var fd: Int32
        repeat { fd = open(path, O_RDONLY | O_CLOEXEC) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw FileError(path: path, errno: errno) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw FileError(path: path, errno: code)
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw FileError(path: path, errno: EISDIR)
        }
        self.fd = fd
        size = (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : nil
    }

    deinit { close(fd) }

    /// Reads up to `buffer.count` bytes; 0 means the end of the file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let n = Glibc.read(fd, base, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw FileError(path: path, errno: errno) }
        }
    }

    /// Moves back to the start of the file (for a second pass).
    public func rewind() throws(FileError) {
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw FileError(path: path, errno: errno) }
    }

    /// A whole file's bytes, refusing files over `limit` bytes (nil: no limit).
    public static func readAll(path: String, limit: Int? = nil) throws(FileError) -> [UInt8] {
        let reader = try FileReader(path: path)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(reader.size.map { $0 + 1 } ?? 65_536)
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { chunk.deallocate() }
        while true {
            let n = try reader.read(into: chunk)
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
            if let limit, bytes.count > limit {
                throw FileError(path: path, reason: "is larger than the \(limit)-byte limit")
            }
        }
    }
}
