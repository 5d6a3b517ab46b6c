#include "evaluation_report.hpp"

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>

#include "evaluation_pipeline.hpp"
#include "html.hpp"

namespace lumen::cli {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// Everything known about one method, gathered from the records.
struct MethodSummary {
  std::map<std::string, Summary> metrics;
  Summary seconds;
  double forward = 0.0, backward = 0.0;  ///< mean passes per image
  std::int64_t failed = 0;               ///< samples the method refused
  std::string first_error;
};

const char* arrow(Direction d) { return d == Direction::higher_is_better ? "↑" : "↓"; }

std::string number(double v) {
  if (!std::isfinite(v)) return "n/a";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", v);
  return buffer;
}

std::string with_ci(const Summary& s) {
  if (s.n == 0) return "n/a";
  return number(s.mean) + " ± " + number((s.high - s.low) / 2.0);
}

nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nullptr; }

nlohmann::json to_json(const Summary& s) {
  return {{"n", s.n},
          {"mean", finite_or_null(s.mean)},
          {"std", finite_or_null(s.std)},
          {"ci95", {finite_or_null(s.low), finite_or_null(s.high)}}};
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::map<std::string, MethodSummary> summarise_methods(const ReportInput& in) {
  std::map<std::string, MethodSummary> out;
  for (const auto& method : in.methods) {
    MethodSummary& s = out[method];
    std::map<std::string, std::vector<double>> values;
    std::vector<double> seconds;
    double forward = 0.0, backward = 0.0;
    for (const auto& r : in.records) {
      if (r.method != method) continue;
      for (const auto& [name, v] : r.metrics) values[name].push_back(v);
      if (r.failed) {
        ++s.failed;
        if (s.first_error.empty())
          s.first_error = "sample " + std::to_string(r.sample) + ": " + r.error;
        continue;
      }
      seconds.push_back(r.seconds);
      forward += static_cast<double>(r.forward);
      backward += static_cast<double>(r.backward);
    }
    for (const auto& m : in.metrics) s.metrics[m.name] = summarise(values[m.name]);
    s.seconds = summarise(seconds);
    const double n = std::max<double>(1.0, static_cast<double>(seconds.size()));
    s.forward = forward / n;
    s.backward = backward / n;
  }
  return out;
}

std::string csv(const ReportInput& in) {
  std::ostringstream out;
  out.precision(std::numeric_limits<double>::max_digits10);
  out << "sample,id,label,target,predicted,method,metric,value,seconds,forward_passes,"
         "backward_passes,error\n";
  for (const auto& r : in.records) {
    for (const auto& m : in.metrics) {
      const double v = r.metrics.count(m.name) != 0U ? r.metrics.at(m.name) : nan;
      out << r.sample << ',' << csv_field(r.id) << ',' << r.label << ',' << r.target << ','
          << r.predicted << ',' << r.method << ',' << m.name << ',';
      if (std::isfinite(v)) out << v;
      out << ',';
      if (!r.failed) out << r.seconds;
      out << ',' << r.forward << ',' << r.backward << ',' << csv_field(r.error) << '\n';
    }
  }
  return out.str();
}

nlohmann::json json_doc(const ReportInput& in, const std::map<std::string, MethodSummary>& sums) {
  nlohmann::json metrics = nlohmann::json::array();
  for (const auto& m : in.metrics) {
    metrics.push_back(
        {{"name", m.name},
         {"direction",
          m.direction == Direction::higher_is_better ? "higher_is_better" : "lower_is_better"},
         {"min", finite_or_null(m.min)},
         {"max", finite_or_null(m.max)}});
  }
  nlohmann::json samples = nlohmann::json::array();
  for (const auto& r : in.records) {
    if (samples.empty() || samples.back()["index"] != r.sample) {
      samples.push_back({{"index", r.sample},
                         {"id", r.id},
                         {"label", r.label},
                         {"target", r.target},
                         {"predicted", r.predicted},
                         {"methods", nlohmann::json::object()}});
    }
    nlohmann::json values = nlohmann::json::object();
    for (const auto& [name, v] : r.metrics) values[name] = finite_or_null(v);
    samples.back()["methods"][r.method] = {
        {"seconds", r.seconds}, {"forward_passes", r.forward}, {"backward_passes", r.backward},
        {"metrics", values},    {"failed", r.failed},          {"error", r.error}};
  }
  nlohmann::json aggregate = nlohmann::json::object();
  for (const auto& method : in.methods) {
    const MethodSummary& s = sums.at(method);
    nlohmann::json per_metric = nlohmann::json::object();
    for (const auto& [name, summary] : s.metrics) per_metric[name] = to_json(summary);
    aggregate[method] = {
        {"metrics", per_metric},
        {"seconds_per_image", to_json(s.seconds)},
        {"forward_passes_per_image", s.forward},
        {"backward_passes_per_image", s.backward},
        {"failed_samples", s.failed},
        {"plugin_files", in.component_files.count(method) ? in.component_files.at(method)
                                                          : nlohmann::json::object()}};
  }
  return {{"arguments", in.arguments},
          {"statistics",
           "mean; std: sample standard deviation (n-1); ci95: mean ± t(0.975, n-1)·std/√n "
           "(Student's t); non-finite values are left out and n counts the rest"},
          {"metrics", metrics},
          {"methods", in.methods},
          {"samples", samples},
          {"aggregate", aggregate}};
}

std::string markdown(const ReportInput& in, const std::map<std::string, MethodSummary>& sums,
                     std::size_t samples) {
  std::ostringstream out;
  out << "# lumen evaluate\n\n"
      << "Model `" << in.arguments.at("model").get<std::string>() << "`, data `"
      << in.arguments.at("data").get<std::string>() << "`, " << samples
      << " samples, target: " << in.arguments.at("target").get<std::string>() << ".";
  const auto train_data = in.arguments.value("train_data", std::string());
  if (!train_data.empty()) {
    out << " Dataset-level metrics trained fresh models on `" << train_data
        << "` (their time is not in the time per image).";
  }
  out << "\n\n| method |";
  for (const auto& m : in.metrics) out << ' ' << m.name << ' ' << arrow(m.direction) << " |";
  out << " time per image (s) ↓ | forward passes per image ↓ | backward passes per image ↓ "
         "|\n|---|";
  for (std::size_t i = 0; i < in.metrics.size() + 3; ++i) out << "---:|";
  out << '\n';
  for (const auto& method : in.methods) {
    const MethodSummary& s = sums.at(method);
    out << "| " << method << " |";
    for (const auto& m : in.metrics) out << ' ' << with_ci(s.metrics.at(m.name)) << " |";
    out << ' ' << with_ci(s.seconds) << " | " << number(s.forward) << " | " << number(s.backward)
        << " |\n";
  }
  out << "\nEach cell: mean ± half-width of its 95% confidence interval (Student's t) over the "
         "samples. ↑: higher is better; ↓: lower is better.\n";
  for (const auto& method : in.methods) {
    const MethodSummary& s = sums.at(method);
    if (s.failed > 0) {
      out << "\n"
          << method << " refused " << s.failed << " of " << samples
          << " samples (left out of its row; first: " << s.first_error << ").\n";
    }
  }
  return out.str();
}

// A horizontal bar per method (its mean) with its 95% CI as a whisker; names on the left.
std::string svg_plot(const MetricInfo& metric, const std::vector<std::string>& methods,
                     const std::map<std::string, MethodSummary>& sums) {
  constexpr double left = 170, top = 36, plot_w = 340, row = 30, bar_h = 18, right = 30;
  const double height = top + row * static_cast<double>(methods.size()) + 30;
  double lo = 0.0, hi = 0.0;
  for (const auto& m : methods) {
    const Summary& s = sums.at(m).metrics.at(metric.name);
    if (s.n == 0) continue;
    lo = std::min({lo, s.low, s.mean});
    hi = std::max({hi, s.high, s.mean});
  }
  if (hi - lo <= 0.0) hi = lo + 1.0;
  auto x = [&](double v) { return left + plot_w * (v - lo) / (hi - lo); };
  const double axis_y = top + row * static_cast<double>(methods.size());
  std::ostringstream out;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << left + plot_w + right
      << "\" height=\"" << height << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<text x=\"" << left << "\" y=\"20\" font-size=\"14\">" << html_escape(metric.name) << ' '
      << arrow(metric.direction) << " (mean, 95% CI)</text>\n";
  for (int t = 0; t <= 4; ++t) {
    const double v = lo + (hi - lo) * t / 4.0;
    out << "<line x1=\"" << x(v) << "\" x2=\"" << x(v) << "\" y1=\"" << top - 4 << "\" y2=\""
        << axis_y + 4 << "\" stroke=\"#ddd\"/>\n<text x=\"" << x(v) << "\" y=\"" << axis_y + 18
        << "\" text-anchor=\"middle\">" << number(v) << "</text>\n";
  }
  out << "<line x1=\"" << x(0.0) << "\" x2=\"" << x(0.0) << "\" y1=\"" << top - 4 << "\" y2=\""
      << axis_y + 4 << "\" stroke=\"#444\"/>\n";
  for (std::size_t i = 0; i < methods.size(); ++i) {
    const Summary& s = sums.at(methods[i]).metrics.at(metric.name);
    const double y = top + static_cast<double>(i) * row;
    out << "<text x=\"" << left - 8 << "\" y=\"" << y + bar_h / 2 + 4 << "\" text-anchor=\"end\">"
        << html_escape(methods[i]) << "</text>\n";
    if (s.n == 0) continue;
    out << "<rect x=\"" << std::min(x(s.mean), x(0.0)) << "\" y=\"" << y << "\" width=\""
        << std::abs(x(s.mean) - x(0.0)) << "\" height=\"" << bar_h << "\" fill=\"#c0504d\"><title>"
        << html_escape(methods[i]) << ": " << number(s.mean) << " [" << number(s.low) << ", "
        << number(s.high) << "]</title></rect>\n";
    const double cy = y + bar_h / 2;
    out << "<path d=\"M" << x(s.low) << ' ' << cy << "H" << x(s.high) << "M" << x(s.low) << ' '
        << cy - 6 << "v12M" << x(s.high) << ' ' << cy - 6
        << "v12\" stroke=\"#222\" fill=\"none\"/>\n";
  }
  out << "</svg>\n";
  return out.str();
}

std::string html(const ReportInput& in, const std::map<std::string, MethodSummary>& sums,
                 const std::vector<std::int64_t>& gallery_samples) {
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<title>lumen evaluate</title>\n<style>\n"
      << "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
      << "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
      << "td:first-child,th:first-child{text-align:left}"
      << ".gallery td{text-align:center;font-size:small}.gallery img{width:128px;"
      << "image-rendering:pixelated}\n</style>\n</head>\n<body>\n<h1>lumen evaluate</h1>\n<p>Model "
      << "<code>" << html_escape(in.arguments.at("model").get<std::string>())
      << "</code>, data <code>" << html_escape(in.arguments.at("data").get<std::string>())
      << "</code>, target: " << html_escape(in.arguments.at("target").get<std::string>())
      << (in.arguments.value("train_data", std::string()).empty()
              ? std::string()
              : ", training data of dataset-level metrics <code>" +
                    html_escape(in.arguments.at("train_data").get<std::string>()) + "</code>")
      << ". Files: <a href=\"results.csv\">results.csv</a>, <a href=\"results.json\">results.json"
      << "</a>, <a "
         "href=\"table.md\">table.md</a>.</p>\n<h2>Table</h2>\n<table>\n<tr><th>method</th>";
  for (const auto& m : in.metrics)
    out << "<th>" << html_escape(m.name) << ' ' << arrow(m.direction) << "</th>";
  out << "<th>time per image (s) ↓</th><th>forward passes per image ↓</th>"
      << "<th>backward passes per image ↓</th></tr>\n";
  for (const auto& method : in.methods) {
    const MethodSummary& s = sums.at(method);
    out << "<tr><td>" << html_escape(method) << "</td>";
    for (const auto& m : in.metrics) out << "<td>" << with_ci(s.metrics.at(m.name)) << "</td>";
    out << "<td>" << with_ci(s.seconds) << "</td><td>" << number(s.forward) << "</td><td>"
        << number(s.backward) << "</td></tr>\n";
  }
  out << "</table>\n<p>Mean ± half-width of the 95% confidence interval (Student's t). "
      << "↑: higher is better; ↓: lower is better.</p>\n";
  for (const auto& method : in.methods) {
    const MethodSummary& s = sums.at(method);
    if (s.failed > 0) {
      out << "<p>" << html_escape(method) << " refused " << s.failed
          << " sample(s), left out of its row; first: " << html_escape(s.first_error) << "</p>\n";
    }
  }
  out << "<h2>Metrics</h2>\n<p>";
  for (const auto& m : in.metrics) {
    out << "<img src=\"plots/" << html_escape(m.name) << ".svg\" alt=\"" << html_escape(m.name)
        << "\"> ";
  }
  out << "</p>\n<h2>Heatmaps</h2>\n<table class=\"gallery\">\n<tr><th>sample</th><th>input</th>";
  for (const auto& method : in.methods) out << "<th>" << html_escape(method) << "</th>";
  out << "</tr>\n";
  for (const std::int64_t index : gallery_samples) {
    const auto r = std::find_if(in.records.begin(), in.records.end(),
                                [&](const ResultRecord& x) { return x.sample == index; });
    out << "<tr><td>#" << index << "<br>" << html_escape(r->id) << "<br>label " << r->label
        << ", predicted " << r->predicted << ", target " << r->target << "</td>";
    out << "<td><img src=\"gallery/" << gallery_file(index, "input") << "\" alt=\"input\"></td>";
    for (const auto& method : in.methods) {
      const bool failed = std::any_of(in.records.begin(), in.records.end(), [&](const auto& x) {
        return x.sample == index && x.method == method && x.failed;
      });
      if (failed) {
        out << "<td>refused</td>";
        continue;
      }
      out << "<td><img src=\"gallery/" << html_escape(gallery_file(index, method)) << "\" alt=\""
          << html_escape(method) << "\"></td>";
    }
    out << "</tr>\n";
  }
  out << "</table>\n</body>\n</html>\n";
  return out.str();
}

}  // namespace

Summary summarise(const std::vector<double>& values) {
  std::vector<double> finite;
  for (const double v : values)
    if (std::isfinite(v)) finite.push_back(v);
  Summary s;
  s.n = static_cast<std::int64_t>(finite.size());
  if (s.n == 0) {
    s.mean = s.std = s.low = s.high = nan;
    return s;
  }
  double sum = 0.0;
  for (const double v : finite) sum += v;
  s.mean = sum / static_cast<double>(s.n);
  s.low = s.high = s.mean;
  if (s.n < 2) return s;
  double squares = 0.0;
  for (const double v : finite) squares += (v - s.mean) * (v - s.mean);
  s.std = std::sqrt(squares / static_cast<double>(s.n - 1));
  const boost::math::students_t t(static_cast<double>(s.n - 1));
  const double half = boost::math::quantile(t, 0.975) * s.std / std::sqrt(static_cast<double>(s.n));
  s.low = s.mean - half;
  s.high = s.mean + half;
  return s;
}

void write_report(const OutputDir& dir, const ReportInput& in) {
  const auto sums = summarise_methods(in);
  std::vector<std::int64_t> samples;
  for (const auto& r : in.records) {
    if (samples.empty() || samples.back() != r.sample) samples.push_back(r.sample);
  }
  std::vector<std::int64_t> gallery;
  for (const std::int64_t s : samples)
    if (s < in.gallery) gallery.push_back(s);
  const OutputDir plots = dir.subdirectory("plots");
  for (const auto& m : in.metrics) {
    plots.write_file(m.name + ".svg", svg_plot(m, in.methods, sums));
  }
  dir.write_file("results.csv", csv(in));
  dir.write_file("results.json", json_doc(in, sums).dump(2) + "\n");
  dir.write_file("table.md", markdown(in, sums, samples.size()));
  dir.write_file("index.html", html(in, sums, gallery));  // last: the run is complete
}

}  // namespace lumen::cli
