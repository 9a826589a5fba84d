#include "tools/sigd/core/json_view.hpp"

#include <nlohmann/json.hpp>

namespace hlsmesh::sigd::json {

namespace {

// nlohmann's SAX events → the flat node table. The library does the lexing
// and validation (UTF-8, escapes, surrogates, number overflow, BOM); this
// only records what it reports, without building its DOM.
class TableBuilder {
 public:
  using number_integer_t = nlohmann::json::number_integer_t;
  using number_unsigned_t = nlohmann::json::number_unsigned_t;
  using number_float_t = nlohmann::json::number_float_t;
  using string_t = nlohmann::json::string_t;
  using binary_t = nlohmann::json::binary_t;

  TableBuilder(std::vector<Node>& nodes, std::string& decoded, int max_depth)
      : nodes_(nodes), decoded_(decoded), max_depth_(max_depth) {}

  bool null() { return scalar(Node{}); }
  bool boolean(bool value) {
    Node n;
    n.type = Type::boolean;
    n.boolean = value;
    return scalar(n);
  }
  bool number_integer(number_integer_t value) { return number(static_cast<double>(value)); }
  bool number_unsigned(number_unsigned_t value) { return number(static_cast<double>(value)); }
  bool number_float(number_float_t value, const string_t& /*text*/) { return number(value); }
  bool string(string_t& value) {
    Node n;
    n.type = Type::string;
    n.text = keep(value);
    return scalar(n);
  }
  bool binary(binary_t& /*value*/) { return false; }  // not in JSON text
  bool key(string_t& value) { return string(value); }  // members are key, value
  bool start_object(std::size_t /*elements*/) { return open(Type::object); }
  bool start_array(std::size_t /*elements*/) { return open(Type::array); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& /*error*/) {
    return false;
  }

 private:
  bool scalar(Node n) {
    n.end = static_cast<uint32_t>(nodes_.size()) + 1;
    nodes_.push_back(n);
    return true;
  }
  bool number(double value) {
    Node n;
    n.type = Type::number;
    n.number = value;
    return scalar(n);
  }
  bool open(Type type) {
    if (static_cast<int>(open_.size()) >= max_depth_) return false;
    open_.push_back(static_cast<uint32_t>(nodes_.size()));
    Node n;
    n.type = type;
    nodes_.push_back(n);
    return true;
  }
  bool close() {
    nodes_[open_.back()].end = static_cast<uint32_t>(nodes_.size());
    open_.pop_back();
    return true;
  }
  // The lexer reuses its buffer: copy the decoded text where views stay put.
  std::string_view keep(const std::string& value) {
    const size_t at = decoded_.size();
    decoded_ += value;
    return std::string_view(decoded_.data() + at, value.size());
  }

  std::vector<Node>& nodes_;
  std::string& decoded_;
  int max_depth_;
  std::vector<uint32_t> open_;
};

}  // namespace

bool Document::parse(std::string_view text, int max_depth) {
  // Keep the buffers between messages, but not what one huge message grew.
  if (nodes_.capacity() > 4096) std::vector<Node>().swap(nodes_);
  if (decoded_.capacity() > 64 * 1024) std::string().swap(decoded_);
  nodes_.clear();
  decoded_.clear();
  // Decoded strings and keys together are never longer than the text, so
  // this never reallocates and the views into decoded_ stay valid.
  decoded_.reserve(text.size());
  TableBuilder builder(nodes_, decoded_, max_depth);
  if (!nlohmann::json::sax_parse(text.begin(), text.end(), &builder) || nodes_.empty()) {
    nodes_.clear();
    nodes_.emplace_back();  // root() stays callable
    return false;
  }
  return true;
}

const Node* Document::get(const Node& object, std::string_view key) const {
  if (object.type != Type::object) return nullptr;
  const Node* found = nullptr;
  for (uint32_t i = index_of(object) + 1; i < object.end;) {
    const Node& value = nodes_[i + 1];  // members are key, value
    if (nodes_[i].text == key) found = &value;
    i = value.end;
  }
  return found;
}

}  // namespace hlsmesh::sigd::json
