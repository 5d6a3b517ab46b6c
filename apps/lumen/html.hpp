#pragma once
// Text placed into the HTML pages lumen writes (demo, evaluate).
#include <string>

namespace lumen::cli {

/// `text` with &, <, > and " escaped, safe in element content and quoted attributes.
inline std::string html_escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace lumen::cli
