#pragma once
// The page `lumen demo` writes: one table row per chip, one column per method.
#include <string>
#include <vector>

namespace lumen::cli {

/// One method of the demo's panel as the page shows it.
struct DemoMethod {
  std::string name;
  std::string family;
  std::string settings;  ///< the parameters given, "name=value ..." (empty: the defaults)
  double seconds_per_chip = 0.0;
  std::string error;  ///< why the method failed on this model (empty: it ran)
};

/// One method's images for one chip, as paths relative to the page.
struct DemoImages {
  std::string heatmap;
  std::string overlay;
};

/// One chip: its images (relative paths; an empty mask: none known) and the prediction.
struct DemoRow {
  std::string id;
  std::string input;
  std::string mask;
  std::string true_class;
  std::string predicted_class;
  float probability = 0.0F;
  std::vector<DemoImages> methods;  ///< parallel to DemoReport::methods (empty paths: failed)
};

struct DemoReport {
  std::string model;  ///< the model file
  std::string data;   ///< the dataset spec the chips came from
  std::vector<DemoMethod> methods;
  std::vector<DemoRow> rows;
};

/// A self-contained HTML page (inline style, no script, relative links only).
std::string demo_html(const DemoReport& report);

}  // namespace lumen::cli
