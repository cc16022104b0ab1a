#pragma once
// The customer-history importer (shared/contract/history.md): JSON Lines, one record a line. Bad lines
// are reported with their line number and reason and skipped; the rest is upserted in batched
// transactions, keyed by record ids, so re-importing a file changes nothing.
#include <cstddef>
#include <functional>
#include <istream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugin/history/history_store.hpp"

namespace rightmoment {

struct BadLine {
  std::size_t line;
  std::string reason;
};

struct ImportReport {
  std::size_t lines = 0;                          // non-blank lines read
  std::map<std::string, std::size_t> imported;    // by record kind
  std::vector<BadLine> bad_lines;                 // the first 1000; bad_line_count has them all
  std::size_t bad_line_count = 0;
};

// Called every few thousand lines with the bytes read so far (for a progress bar).
using ImportProgress = std::function<void(std::size_t bytes_read, std::size_t lines)>;

// Parses one line into a record (identities normalised with default_region), or says why not.
std::variant<HistoryRecord, std::string> parse_history_line(std::string_view line, std::string_view default_region);

ImportReport import_history_stream(std::istream& in, HistoryStore& store, std::string_view default_region,
                                   const ImportProgress& progress, std::size_t batch_size = 2000);
// Throws StoreError when the file cannot be read or the store refuses a batch.
ImportReport import_history_file(const std::string& path, HistoryStore& store, std::string_view default_region,
                                 const ImportProgress& progress);

nlohmann::json import_report_json(const ImportReport& report);

}  // namespace rightmoment
