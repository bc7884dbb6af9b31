// SPDX-License-Identifier: Apache-2.0
// A recursive-descent reader over a string_view. Recursion depth is bounded by max_depth, the
// number of elements by max_elements, so neither the stack nor memory follows the input.
#include "probes/s3/xml.h"

#include <cstdint>

namespace sov::probes::s3 {

const XmlElement* XmlElement::child(std::string_view child_name) const {
  for (const auto& c : children) {
    if (c.name == child_name) return &c;
  }
  return nullptr;
}

std::vector<const XmlElement*> XmlElement::all(std::string_view child_name) const {
  std::vector<const XmlElement*> out;
  for (const auto& c : children) {
    if (c.name == child_name) out.push_back(&c);
  }
  return out;
}

std::string XmlElement::child_text(std::string_view child_name) const {
  const XmlElement* c = child(child_name);
  return c != nullptr ? c->text : std::string();
}

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool is_name_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '_' ||
         c == '-' || c == '.' || c == ':' || u >= 0x80;
}

void append_utf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string trim(const std::string& s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

class Reader {
 public:
  Reader(std::string_view doc, const XmlLimits& limits) : doc_(doc), limits_(limits) {}

  Result<XmlElement> document() {
    if (doc_.size() > limits_.max_bytes) {
      return fail(ErrorCode::kInvalidInput,
                  "XML document larger than " + std::to_string(limits_.max_bytes) + " bytes");
    }
    if (doc_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // UTF-8 byte order mark
    if (auto e = skip_misc(); !e.empty()) return error(e);
    if (at_end() || doc_[pos_] != '<') return error("expected the root element");
    XmlElement root;
    if (auto e = element(&root, 1); !e.empty()) return error(e);
    if (auto e = skip_misc(); !e.empty()) return error(e);
    if (!at_end()) return error("content after the root element");
    return root;
  }

 private:
  bool at_end() const { return pos_ >= doc_.size(); }
  bool starts(std::string_view s) const { return doc_.substr(pos_, s.size()) == s; }

  Error error(const std::string& what) const {
    size_t line = 1;
    size_t col = 1;
    for (size_t i = 0; i < pos_ && i < doc_.size(); ++i) {
      if (doc_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return Error(ErrorCode::kInvalidInput, "XML line " + std::to_string(line) + ", column " +
                                               std::to_string(col) + ": " + what);
  }

  // Skips to just after `end`; false when it never comes.
  bool skip_past(std::string_view end) {
    size_t at = doc_.find(end, pos_);
    if (at == std::string_view::npos) {
      pos_ = doc_.size();
      return false;
    }
    pos_ = at + end.size();
    return true;
  }

  // Blanks, comments and processing instructions around the root.
  std::string skip_misc() {
    while (!at_end()) {
      if (is_space(doc_[pos_])) {
        ++pos_;
      } else if (starts("<?")) {
        if (!skip_past("?>")) return "unterminated processing instruction";
      } else if (starts("<!--")) {
        if (!skip_past("-->")) return "unterminated comment";
      } else if (starts("<!")) {
        return "DTD and declarations are not accepted";
      } else {
        break;
      }
    }
    return {};
  }

  std::string name(std::string* out) {
    size_t start = pos_;
    while (!at_end() && is_name_char(doc_[pos_])) ++pos_;
    if (pos_ == start) return "expected a name";
    std::string_view full = doc_.substr(start, pos_ - start);
    auto colon = full.rfind(':');
    *out = std::string(colon == std::string_view::npos ? full : full.substr(colon + 1));
    return {};
  }

  // Attributes are read for well-formedness and dropped: S3 answers carry their data in
  // elements (xsi:type of a Grantee is implied by its child element).
  std::string attributes() {
    while (true) {
      size_t before = pos_;
      while (!at_end() && is_space(doc_[pos_])) ++pos_;
      if (at_end()) return "unterminated start tag";
      if (doc_[pos_] == '>' || doc_[pos_] == '/') return {};
      if (pos_ == before) return "expected a blank before the attribute";
      std::string ignored;
      if (auto e = name(&ignored); !e.empty()) return e;
      while (!at_end() && is_space(doc_[pos_])) ++pos_;
      if (at_end() || doc_[pos_] != '=') return "expected '=' after the attribute name";
      ++pos_;
      while (!at_end() && is_space(doc_[pos_])) ++pos_;
      if (at_end() || (doc_[pos_] != '"' && doc_[pos_] != '\'')) return "expected a quoted value";
      char quote = doc_[pos_++];
      size_t end = doc_.find(quote, pos_);
      if (end == std::string_view::npos) return "unterminated attribute value";
      if (doc_.substr(pos_, end - pos_).find('<') != std::string_view::npos) {
        return "'<' in an attribute value";
      }
      pos_ = end + 1;
    }
  }

  std::string entity(std::string* out) {
    size_t semi = doc_.find(';', pos_);
    if (semi == std::string_view::npos || semi - pos_ > 12) return "unterminated entity";
    std::string_view ref = doc_.substr(pos_ + 1, semi - pos_ - 1);
    if (ref == "lt") {
      out->push_back('<');
    } else if (ref == "gt") {
      out->push_back('>');
    } else if (ref == "amp") {
      out->push_back('&');
    } else if (ref == "quot") {
      out->push_back('"');
    } else if (ref == "apos") {
      out->push_back('\'');
    } else if (ref.size() > 1 && ref[0] == '#') {
      bool hex = ref[1] == 'x';
      std::string_view digits = ref.substr(hex ? 2 : 1);
      if (digits.empty()) return "empty character reference";
      uint32_t cp = 0;
      for (char c : digits) {
        int v = -1;
        if (c >= '0' && c <= '9') v = c - '0';
        if (hex && c >= 'a' && c <= 'f') v = c - 'a' + 10;
        if (hex && c >= 'A' && c <= 'F') v = c - 'A' + 10;
        if (v < 0) return "bad character reference";
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(v);
        if (cp > 0x10FFFF) return "character reference out of range";
      }
      if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return "character reference out of range";
      append_utf8(cp, out);
    } else {
      return "unknown entity '&" + std::string(ref) + ";'";
    }
    pos_ = semi + 1;
    return {};
  }

  std::string element(XmlElement* out, size_t depth) {
    if (depth > limits_.max_depth) {
      return "elements nested deeper than " + std::to_string(limits_.max_depth);
    }
    if (++elements_ > limits_.max_elements) {
      return "more than " + std::to_string(limits_.max_elements) + " elements";
    }
    ++pos_;  // '<'
    size_t name_at = pos_;
    if (auto e = name(&out->name); !e.empty()) return e;
    std::string_view qname = doc_.substr(name_at, pos_ - name_at);
    if (auto e = attributes(); !e.empty()) return e;
    if (doc_[pos_] == '/') {
      ++pos_;
      if (at_end() || doc_[pos_] != '>') return "expected '>' after '/'";
      ++pos_;
      return {};
    }
    ++pos_;  // '>'
    std::string text;
    while (true) {
      if (at_end()) return "unterminated element <" + std::string(qname) + ">";
      char c = doc_[pos_];
      if (c == '&') {
        if (auto e = entity(&text); !e.empty()) return e;
      } else if (c != '<') {
        text.push_back(c);
        ++pos_;
      } else if (starts("</")) {
        pos_ += 2;
        size_t close_at = pos_;
        std::string ignored;
        if (auto e = name(&ignored); !e.empty()) return e;
        if (doc_.substr(close_at, pos_ - close_at) != qname) {
          pos_ = close_at;
          return "closing tag does not match <" + std::string(qname) + ">";
        }
        while (!at_end() && is_space(doc_[pos_])) ++pos_;
        if (at_end() || doc_[pos_] != '>') return "expected '>' in the closing tag";
        ++pos_;
        out->text = trim(text);
        return {};
      } else if (starts("<!--")) {
        if (!skip_past("-->")) return "unterminated comment";
      } else if (starts("<![CDATA[")) {
        pos_ += 9;
        size_t end = doc_.find("]]>", pos_);
        if (end == std::string_view::npos) return "unterminated CDATA section";
        text.append(doc_.substr(pos_, end - pos_));
        pos_ = end + 3;
      } else if (starts("<?")) {
        if (!skip_past("?>")) return "unterminated processing instruction";
      } else if (starts("<!")) {
        return "declarations are not accepted inside elements";
      } else {
        out->children.emplace_back();
        if (auto e = element(&out->children.back(), depth + 1); !e.empty()) return e;
      }
    }
  }

  std::string_view doc_;
  const XmlLimits& limits_;
  size_t pos_ = 0;
  size_t elements_ = 0;
};

}  // namespace

Result<XmlElement> parse_xml(std::string_view document, const XmlLimits& limits) {
  Reader reader(document, limits);
  return reader.document();
}

}  // namespace sov::probes::s3
