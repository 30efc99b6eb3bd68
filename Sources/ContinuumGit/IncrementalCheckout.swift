import CLibGit2
import Foundation
import Synchronization

/// Makes a commit's checkout from the checkout of an earlier commit and the diff between
/// their trees, instead of writing every file again: the earlier checkout's files are hard
/// linked (checkouts are never written to once published), every changed path is unlinked,
/// and the new blobs are written as new files (never into a shared inode), through
/// libgit2's checkout filters. Declines (returns false, and a full checkout is made) when
/// the result could differ from a full checkout's: a `.gitattributes` anywhere in the new
/// tree, or a submodule in the diff.
struct IncrementalCheckout {
    let repository: OpaquePointer
    let diff: TreeDiff

    /// Fills `staging` (an empty directory) with the checkout of `newTree` made from `base`.
    func make(from base: URL, into staging: URL, newTree: OpaquePointer) -> Bool {
        guard !diff.touchesAttributes, !diff.changes.contains(where: { $0.newPath != nil && $0.newMode == GIT_FILEMODE_COMMIT }),
            !Self.hasAttributesFile(newTree) else { return false }
        guard Self.linkTree(from: base.path, to: staging.path)
        else { return false }
        let root = staging.path
        for change in diff.changes {
            guard let old = change.oldPath else { continue }
            let path = root + "/" + old
            guard unlink(path) == 0 || errno == ENOENT else { return false }
            Self.removeEmptyParents(of: old, root: root)
        }
        for change in diff.changes {
            guard let new = change.newPath else { continue }
            guard write(change, to: root + "/" + new, root: root) else { return false }
        }
        return true
    }

    private func write(_ change: TreeDiff.Change, to path: String, root: String) -> Bool {
        guard (try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)) != nil
        else { return false }
        var id = change.newBlob
        var blob: OpaquePointer?
        guard git_blob_lookup(&blob, repository, &id) == 0, let blob else { return false }
        defer { git_blob_free(blob) }
        if change.newMode == GIT_FILEMODE_LINK {
            let target = String(decoding: UnsafeRawBufferPointer(start: git_blob_rawcontent(blob), count: Int(git_blob_rawsize(blob))), as: UTF8.self)
            return symlink(target, path) == 0
        }
        var options = git_blob_filter_options()
        git_blob_filter_options_init(&options, UInt32(GIT_BLOB_FILTER_OPTIONS_VERSION))
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        let relative = String(path.dropFirst(root.count + 1))
        guard git_blob_filter(&buffer, blob, relative, &options) == 0 else { return false }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, change.newMode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0o777 : 0o666)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var written = 0
        while written < buffer.size {
            let count = Glibc.write(descriptor, buffer.ptr + written, buffer.size - written)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            written += count
        }
        return true
    }

    /// Whether any entry of `tree` is a `.gitattributes` (walked without reading blobs).
    static func hasAttributesFile(_ tree: OpaquePointer) -> Bool {
        var found = false
        withUnsafeMutablePointer(to: &found) { pointer in
            _ = git_tree_walk(tree, GIT_TREEWALK_PRE, { _, entry, payload in
                guard let entry, let name = git_tree_entry_name(entry), strcmp(name, ".gitattributes") == 0 else { return 0 }
                payload?.assumingMemoryBound(to: Bool.self).pointee = true
                return -1
            }, pointer)
        }
        return found
    }

    /// Recreates the directory tree at `source` under `target` (which exists), hard linking
    /// regular files and copying links as links. The tree is walked once, each entry's type
    /// taken from the directory listing (an `lstat` only where the file system does not say);
    /// the directories are made, parents first, and then the files are linked across cores:
    /// at 7,840 files in 1,960 directories, linking them one by one took 0.16 s of a commit's
    /// way to its first provider call.
    static func linkTree(from source: String, to target: String) -> Bool {
        var tree = TreeListing()
        guard tree.collect(root: source, relative: "") else { return false }
        for directory in tree.directories {
            guard mkdir(target + "/" + directory, 0o777) == 0 else { return false }
        }
        for path in tree.links {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = readlink(source + "/" + path, &buffer, buffer.count - 1)
            guard length >= 0 else { return false }
            buffer[length] = 0
            guard symlink(buffer, target + "/" + path) == 0 else { return false }
        }
        let files = tree.files
        let chunks = min(files.count, ProcessInfo.processInfo.activeProcessorCount * 4)
        guard chunks > 0 else { return true }
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            for index in (files.count * chunk / chunks)..<(files.count * (chunk + 1) / chunks) where link(source + "/" + files[index], target + "/" + files[index]) != 0 {
                failures.add(1, ordering: .relaxed)
            }
        }
        return failures.load(ordering: .relaxed) == 0
    }

    /// The entries of a directory tree by type, as paths relative to its root; directories
    /// before what they hold.
    struct TreeListing {
        var directories: [String] = []
        var files: [String] = []
        var links: [String] = []

        /// Adds the entries below `root/relative`; false when one is neither a directory, a
        /// regular file nor a link, or cannot be read.
        mutating func collect(root: String, relative: String) -> Bool {
            let path = relative.isEmpty ? root : root + "/" + relative
            guard let directory = opendir(path) else { return false }
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name == "." || name == ".." { continue }
                let child = relative.isEmpty ? name : relative + "/" + name
                var type = Int(entry.pointee.d_type)
                if type == DT_UNKNOWN {
                    var status = stat()
                    guard lstat(root + "/" + child, &status) == 0 else { return false }
                    switch status.st_mode & S_IFMT {
                    case S_IFDIR: type = DT_DIR
                    case S_IFREG: type = DT_REG
                    case S_IFLNK: type = DT_LNK
                    default: return false
                    }
                }
                switch type {
                case DT_DIR:
                    directories.append(child)
                    guard collect(root: root, relative: child) else { return false }
                case DT_REG: files.append(child)
                case DT_LNK: links.append(child)
                default: return false
                }
            }
            return true
        }
    }

    /// Removes the directories on the way to `relative` that a removal left empty, as a
    /// full checkout would not have them.
    private static func removeEmptyParents(of relative: String, root: String) {
        var parts = relative.split(separator: "/").dropLast()
        while !parts.isEmpty {
            guard rmdir(root + "/" + parts.joined(separator: "/")) == 0 else { return }
            parts = parts.dropLast()
        }
    }
}
