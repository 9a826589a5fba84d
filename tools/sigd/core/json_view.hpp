#pragma once
// Tracker messages parsed by nlohmann::json's SAX parser into a flat table
// of nodes instead of its DOM. Every announce is parsed, so this is sigd's
// hottest path: the DOM spent ~40% of sigd's CPU at 10,000 connections, most
// of it in malloc (one allocation per key, string, object and array). Here a
// Document is reused, so a steady stream of messages allocates next to
// nothing; strings are views into one reserved buffer. What is accepted is
// exactly what nlohmann::json::parse accepts (the same parser); duplicate
// keys: the last one wins, as with nlohmann's std::map.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hlsmesh::sigd::json {

enum class Type : uint8_t { null, boolean, number, string, array, object };

struct Node {
  Type type = Type::null;
  bool boolean = false;
  uint32_t end = 0;       // index one past this node's subtree (the next sibling)
  double number = 0;      // Type::number
  std::string_view text;  // Type::string: the decoded value (object keys too)
};

class Document {
 public:
  // Parses `text`; false when it is not one JSON value. Nesting is limited to
  // `max_depth` (deeper input is refused as not JSON). Views handed out stay
  // valid until the next parse() and while `text` lives.
  bool parse(std::string_view text, int max_depth = 64);

  const Node& root() const { return nodes_.front(); }
  // The value of the last member named `key`, or nullptr (also for non-objects).
  const Node* get(const Node& object, std::string_view key) const;
  // Calls fn(element) for each element of an array in order until fn returns false.
  template <typename F>
  void for_each(const Node& array, F&& fn) const {
    if (array.type != Type::array) return;
    for (uint32_t i = index_of(array) + 1; i < array.end; i = nodes_[i].end)
      if (!fn(nodes_[i])) return;
  }
  // Calls fn(key, value) for each member of an object in order until fn returns false.
  template <typename F>
  void for_each_member(const Node& object, F&& fn) const {
    if (object.type != Type::object) return;
    for (uint32_t i = index_of(object) + 1; i < object.end; i = nodes_[i + 1].end)
      if (!fn(nodes_[i].text, nodes_[i + 1])) return;
  }
  // Whether an array or object has no elements or members.
  bool empty(const Node& container) const { return container.end == index_of(container) + 1; }

 private:
  uint32_t index_of(const Node& n) const { return static_cast<uint32_t>(&n - nodes_.data()); }

  std::vector<Node> nodes_;
  std::string decoded_;  // every string and key; reserved up front so views stay put
};

}  // namespace hlsmesh::sigd::json
