// SPDX-License-Identifier: Apache-2.0
#include "daemon/config/yaml_doc.h"

#include <algorithm>
#include <exception>
#include <map>
#include <new>
#include <sstream>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

namespace sov::config::internal {

namespace {

// Thrown from inside the event handler to stop yaml-cpp mid-parse; caught in parse_yaml, so it
// never leaves this file.
struct StopParse {
  int line;
  int column;
  std::string message;
};

int one_based(int zero_based) { return zero_based < 0 ? 0 : zero_based + 1; }

class Builder final : public YAML::EventHandler {
 public:
  Builder(std::string_view text, YamlDoc* doc, size_t max_nodes)
      : text_(text), doc_(doc), max_nodes_(max_nodes) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1) {
      throw StopParse{one_based(mark.line), one_based(mark.column),
                      "a configuration file holds one YAML document, found a second one"};
    }
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    YamlNode n;
    n.kind = YamlNode::Kind::kNull;
    add(mark, anchor, std::move(n));
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    count(mark);
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      throw StopParse{one_based(mark.line), one_based(mark.column), "unknown alias"};
    }
    if (std::find(open_.begin(), open_.end(), it->second) != open_.end()) {
      throw StopParse{one_based(mark.line), one_based(mark.column),
                      "an alias cannot refer to a node that contains it"};
    }
    attach(it->second);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    if (tag == "!" && !quote_closed(mark)) {
      throw StopParse{one_based(mark.line), one_based(mark.column),
                      "invalid YAML: this quoted string is never closed"};
    }
    YamlNode n;
    n.kind = YamlNode::Kind::kScalar;
    n.plain = tag == "?";
    n.value = value;
    add(mark, anchor, std::move(n));
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value /*style*/) override {
    YamlNode n;
    n.kind = YamlNode::Kind::kSequence;
    open_.push_back(add(mark, anchor, std::move(n)));
  }
  void OnSequenceEnd() override { open_.pop_back(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value /*style*/) override {
    YamlNode n;
    n.kind = YamlNode::Kind::kMap;
    open_.push_back(add(mark, anchor, std::move(n)));
  }
  void OnMapEnd() override { open_.pop_back(); }

 private:
  // yaml-cpp 0.7 accepts a quoted scalar that runs to the end of the input, silently swallowing
  // every key after it. A quoted scalar ends at the first unescaped quote: look for it.
  bool quote_closed(const YAML::Mark& mark) const {
    if (mark.pos < 0 || static_cast<size_t>(mark.pos) >= text_.size()) return true;
    const char q = text_[static_cast<size_t>(mark.pos)];
    if (q != '"' && q != '\'') return true;  // not at the quote (a tag first): nothing to check
    for (size_t i = static_cast<size_t>(mark.pos) + 1; i < text_.size(); ++i) {
      if (q == '"' && text_[i] == '\\') {
        ++i;
      } else if (text_[i] == q) {
        if (q == '\'' && i + 1 < text_.size() && text_[i + 1] == '\'') {
          ++i;  // '' is a quote inside a single-quoted string
        } else {
          return true;
        }
      }
    }
    return false;
  }

  void count(const YAML::Mark& mark) {
    if (++count_ > max_nodes_) {
      throw StopParse{one_based(mark.line), one_based(mark.column),
                      "the document has more than " + std::to_string(max_nodes_) +
                          " nodes (each use of an alias counts)"};
    }
  }

  int add(const YAML::Mark& mark, YAML::anchor_t anchor, YamlNode n) {
    count(mark);
    n.line = one_based(mark.line);
    n.column = one_based(mark.column);
    int index = static_cast<int>(doc_->nodes.size());
    doc_->nodes.push_back(std::move(n));
    if (anchor != YAML::NullAnchor) anchors_[anchor] = index;
    attach(index);
    return index;
  }

  void attach(int index) {
    if (open_.empty()) {
      doc_->root = index;
    } else {
      doc_->nodes[static_cast<size_t>(open_.back())].children.push_back(index);
    }
  }

  std::string_view text_;
  YamlDoc* doc_;
  size_t max_nodes_;
  size_t count_ = 0;
  int documents_ = 0;
  std::vector<int> open_;  // containers being filled, innermost last
  std::map<YAML::anchor_t, int> anchors_;
};

}  // namespace

bool parse_yaml(std::string_view text, size_t max_nodes, YamlDoc* doc, Diagnostics* diags) {
  *doc = YamlDoc();
  std::istringstream in{std::string(text)};
  Builder builder(text, doc, max_nodes);
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(builder)) {
    }
    return true;
  } catch (const StopParse& e) {
    diags->error(e.line, e.column, e.message);
  } catch (const YAML::DeepRecursion& e) {
    diags->error(one_based(e.mark.line), one_based(e.mark.column),
                 "invalid YAML: nested too deeply");
  } catch (const YAML::Exception& e) {
    diags->error(one_based(e.mark.line), one_based(e.mark.column), "invalid YAML: " + e.msg);
  } catch (const std::bad_alloc&) {
    throw;  // memory exhaustion terminates (STYLE.md B6)
  } catch (const std::exception& e) {
    // yaml-cpp documents only YAML::Exception; anything else is still the input's fault.
    diags->error(0, 0, std::string("invalid YAML: ") + e.what());
  }
  *doc = YamlDoc();
  return false;
}

}  // namespace sov::config::internal
