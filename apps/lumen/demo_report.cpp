#include "demo_report.hpp"

#include <iomanip>
#include <sstream>

#include "html.hpp"

namespace lumen::cli {
namespace {

// An image that links to itself, so a click shows it at full size.
std::string image(const std::string& file, const std::string& alt) {
  return "<a href=\"" + html_escape(file) + "\"><img src=\"" + html_escape(file) + "\" alt=\"" +
         html_escape(alt) + "\"></a>";
}

constexpr const char* style = R"(<style>
body { font-family: sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 4px; text-align: center; vertical-align: middle; }
th { background: #f3f3f3; font-weight: normal; }
th b { font-size: 1.05em; }
td img { width: 112px; height: 112px; image-rendering: pixelated; display: block; }
td a + a img { margin-top: 3px; }
.wrong { color: #b00; font-weight: bold; }
.small { font-size: 0.85em; color: #555; }
</style>
)";

}  // namespace

std::string demo_html(const DemoReport& report) {
  std::ostringstream html;
  std::size_t correct = 0;
  for (const auto& row : report.rows) correct += row.true_class == row.predicted_class ? 1 : 0;
  html << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       << "<title>lumen demo</title>\n"
       << style << "</head>\n<body>\n<h1>lumen demo</h1>\n<p>Model <code>"
       << html_escape(report.model) << "</code>, chips from <code>" << html_escape(report.data)
       << "</code>: " << correct << " of " << report.rows.size()
       << " predicted correctly. Each method explains the predicted class; per method the upper "
          "image is the heatmap, the lower one the heatmap over the input. Click an image to see "
          "it at full size.</p>\n<table>\n<tr><th>chip</th><th>input</th><th>target mask</th>"
          "<th>true class</th><th>predicted</th>";
  html << std::fixed;
  for (const auto& m : report.methods) {
    html << "<th><b>" << html_escape(m.name) << "</b><br><span class=\"small\">"
         << html_escape(m.family);
    if (!m.settings.empty()) html << "<br>" << html_escape(m.settings);
    if (m.error.empty()) {
      html << "<br>" << std::setprecision(1) << m.seconds_per_chip * 1e3 << " ms/chip";
    } else {
      html << "<br>failed: " << html_escape(m.error);
    }
    html << "</span></th>";
  }
  html << "</tr>\n";
  for (const auto& row : report.rows) {
    const bool right = row.true_class == row.predicted_class;
    html << "<tr><td>" << html_escape(row.id) << "</td><td>" << image(row.input, "input " + row.id)
         << "</td><td>" << (row.mask.empty() ? "none" : image(row.mask, "mask " + row.id))
         << "</td><td>" << html_escape(row.true_class) << "</td><td"
         << (right ? "" : " class=\"wrong\"") << ">" << html_escape(row.predicted_class) << "<br>"
         << std::setprecision(1) << row.probability * 100.0F << "%</td>";
    for (std::size_t k = 0; k < report.methods.size(); ++k) {
      const DemoImages& images = row.methods.at(k);
      if (images.heatmap.empty()) {
        html << "<td>&ndash;</td>";
        continue;
      }
      const std::string& name = report.methods[k].name;
      html << "<td>" << image(images.heatmap, name + " heatmap " + row.id)
           << image(images.overlay, name + " overlay " + row.id) << "</td>";
    }
    html << "</tr>\n";
  }
  html << "</table>\n</body>\n</html>\n";
  return html.str();
}

}  // namespace lumen::cli
