#pragma once
// Publishing files so that a reader never sees a partial one: write to a temp
// file in the same directory, fsync, rename over the target, fsync the dir.
#include <sys/types.h>

#include <filesystem>
#include <string_view>

namespace hlsmesh {

// What "published" promises. Readers never see a partial file either way;
// `flush_to_disk` also survives a power cut (fsync of the file and its
// directory, milliseconds on a disk), `rename_only` does not, and suits files
// rewritten every few seconds anyway, such as a live playlist.
enum class Durability { flush_to_disk, rename_only };

// Throws Error(Exit::io) naming the path and the fix on failure; the target is
// then untouched and no temp file is left behind.
void write_file_atomic(const std::filesystem::path& target, std::string_view data, mode_t mode = 0644,
                       Durability durability = Durability::flush_to_disk);

// Publishes `source` at `target` atomically: a hard link when both are on one
// file system (no copy at all), else a copy through a temp file. Returns true
// when it linked, false when it copied.
bool link_or_copy_atomic(const std::filesystem::path& source, const std::filesystem::path& target);

// Reads a whole file; throws Error(Exit::io / no_input) naming the path.
std::string read_file(const std::filesystem::path& path);

// mkdir -p with a clear error.
void ensure_directory(const std::filesystem::path& dir);

}  // namespace hlsmesh
