#include "evaluation_pipeline.hpp"

#include <oneapi/tbb/flow_graph.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <limits>
#include <lumen/dataset.hpp>
#include <lumen/detail/map_math.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/io.hpp>
#include <lumen/layer_names.hpp>
#include <lumen/metric.hpp>
#include <lumen/model.hpp>
#include <memory>

#include "explanation.hpp"
#include "prediction.hpp"
#include "session.hpp"
#include "subset_dataset.hpp"

namespace lumen::cli {
namespace {

namespace flow = oneapi::tbb::flow;
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

struct Resolved {
  std::vector<std::shared_ptr<const Explainer>> explainers;
  std::vector<std::shared_ptr<const Metric>> metrics;
  std::vector<MetricInfo> metric_infos;
  bool needs_reference = false;
  std::optional<NodeId> layer;
  /// [method][metric]: a dataset-level metric's values, once scored (null for other metrics).
  std::vector<std::vector<const DatasetMetricRecord*>> dataset_values;
};

bool dataset_level(const MetricInfo& info) { return info.kind == MetricKind::dataset; }

// One sample on its way through the graph.
struct Job {
  std::int64_t index = 0;
  Sample sample;
  Tensor input;                      ///< [1,C,H,W]
  std::vector<std::size_t> pending;  ///< methods not in the journal yet
  std::int64_t target = 0, predicted = 0;
  std::vector<std::optional<Attribution>> attributions;  ///< one per pending method, or empty
  std::vector<std::string> errors;                       ///< why, when it is empty
  std::optional<Attribution> reference;  ///< the first method's map, for needs_reference_map
  std::vector<ResultRecord> records;     ///< one per pending method
};
using JobPtr = std::shared_ptr<Job>;

// "[#####-----] 12/40 results  30%  ETA 0:01:05" on one stderr line.
class ProgressBar {
 public:
  explicit ProgressBar(std::int64_t total) : total_(total), start_(clock::now()) {}
  void advance() {
    ++done_;
    const auto now = clock::now();
    if (done_ < total_ && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double fraction = total_ > 0 ? static_cast<double>(done_) / total_ : 1.0;
    const auto eta = static_cast<std::int64_t>(elapsed / std::max(fraction, 1e-9) - elapsed);
    constexpr int width = 30;
    const int filled = static_cast<int>(fraction * width);
    std::fprintf(stderr, "\r[%s%s] %lld/%lld results %3d%%  ETA %lld:%02lld:%02lld",
                 std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 std::string(static_cast<std::size_t>(width - filled), '-').c_str(),
                 static_cast<long long>(done_), static_cast<long long>(total_),
                 static_cast<int>(fraction * 100.0), static_cast<long long>(eta / 3600),
                 static_cast<long long>(eta / 60 % 60), static_cast<long long>(eta % 60));
    if (done_ == total_) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }
  void stop() {
    if (done_ < total_) std::fprintf(stderr, "\n");
  }

 private:
  using clock = std::chrono::steady_clock;
  std::int64_t total_, done_ = 0;
  clock::time_point start_, last_{};
};

Resolved resolve(const PipelineRun& run) {
  Resolved r;
  const Registry& registry = run.session.registry();
  for (const auto& m : run.plan.methods) r.explainers.push_back(registry.explainer(m.name));
  for (const auto& m : run.plan.metrics) {
    r.metrics.push_back(registry.metric(m.name));
    r.metric_infos.push_back(r.metrics.back()->info());
    r.needs_reference =
        r.needs_reference || (r.metric_infos.back().needs & needs_reference_map) != 0U;
  }
  if (!run.plan.layer.empty()) r.layer = resolve_layer(run.model.graph(), run.plan.layer);
  return r;
}

// The input drawn behind heatmaps: the sample grey, min-max scaled to [0,1].
Tensor background_of(const Tensor& input) {
  Tensor grey({1, 1, input.dim(2), input.dim(3)});
  detail::mean_of_maps(input.values().subspan(0, input.size() / input.dim(0)), grey.values());
  detail::scale_to_unit(grey.values());
  return grey;
}

std::optional<NodeId> layer_for(const Explainer& e, const std::optional<NodeId>& layer) {
  return e.info().layer_use == LayerUse::none ? std::nullopt : layer;
}

void explain(const PipelineRun& run, const Resolved& r, Job& job) {
  const auto context = run.session.make_context();
  const std::vector<Prediction> top = top_predictions(
      run.model, predict(run.model, job.input, *context, "sample '" + job.sample.id + "'"));
  job.predicted = top.at(0).target;
  job.target = run.plan.target == "label" ? job.sample.label : job.predicted;
  const std::vector<std::int64_t> targets{job.target};
  // A method that refuses one sample (e.g. a zero target score) is recorded as failed there,
  // with its reason, and the run goes on; other exceptions stop it.
  auto explain_with = [&](std::size_t m, std::string& error) -> std::optional<Attribution> {
    const auto one = run.session.make_context();  // its own pass counters
    try {
      return r.explainers[m]->explain({run.model, job.input, targets, run.plan.methods[m].params,
                                       layer_for(*r.explainers[m], r.layer)},
                                      *one);
    } catch (const Error& e) {
      error = e.what();
      return std::nullopt;
    }
  };
  for (const std::size_t m : job.pending) {
    std::string error;
    job.attributions.push_back(explain_with(m, error));
    job.errors.push_back(error);
  }
  if (r.needs_reference) {
    std::string ignored;  // reported as the missing reference of every metric needing it
    job.reference = !job.pending.empty() && job.pending.front() == 0
                        ? job.attributions.front()
                        : explain_with(0, ignored);  // done by an earlier run: same map again
  }
}

void score(const PipelineRun& run, const Resolved& r, Job& job) {
  std::optional<Tensor> mask;
  if (job.sample.mask) {
    const Tensor& m = *job.sample.mask;
    mask = m.reshaped({1, m.dim(0), m.dim(1), m.dim(2)});
  }
  const std::vector<std::int64_t> targets{job.target};
  for (std::size_t k = 0; k < job.pending.size(); ++k) {
    const std::size_t m = job.pending[k];
    ResultRecord record;
    record.sample = job.index;
    record.id = job.sample.id;
    record.label = job.sample.label;
    record.target = job.target;
    record.predicted = job.predicted;
    record.method = run.plan.methods[m].name;
    if (!job.attributions[k]) {
      record.failed = true;
      record.error = job.errors[k];
      for (const auto& metric : run.plan.metrics) record.metrics[metric.name] = nan;
      job.records.push_back(std::move(record));
      continue;
    }
    const Attribution& a = *job.attributions[k];
    record.seconds = a.seconds;
    record.forward = a.passes.forward;
    record.backward = a.passes.backward;
    record.components = a.components;
    for (std::size_t q = 0; q < r.metrics.size(); ++q) {
      const std::string& name = run.plan.metrics[q].name;
      if (dataset_level(r.metric_infos[q])) {
        const DatasetMetricRecord& d = *r.dataset_values[m][q];
        const auto index = static_cast<std::size_t>(job.index);
        record.metrics[name] = index < d.values.size() ? d.values[index] : nan;
        if (!d.error.empty()) record.error += name + ": " + d.error + "; ";
        continue;
      }
      // Metric::evaluate would refuse the case too; this says why the map is missing.
      if ((r.metric_infos[q].needs & needs_reference_map) != 0U && !job.reference) {
        record.metrics[name] = nan;
        record.error += name + ": no reference map (" + run.plan.methods[0].name + " failed); ";
        continue;
      }
      const BatchCase c{.input = job.input,
                        .targets = targets,
                        .attribution = a.map,
                        .params = run.plan.metrics[q].params,
                        .signed_map = a.signed_map,
                        .layer = a.layer,
                        .model = &run.model,
                        .explainer = r.explainers[m].get(),
                        .explainer_params = &run.plan.methods[m].params,
                        .mask = mask ? &*mask : nullptr,
                        .reference = job.reference ? &job.reference->map : nullptr};
      const auto context = run.session.make_context();
      double value = nan;
      try {
        value = r.metrics[q]->evaluate(c, *context).per_sample.at(0);
      } catch (const Error& e) {
        record.error += name + ": " + e.what() + "; ";
      }
      record.metrics[name] = value;
    }
    job.records.push_back(std::move(record));
  }
}

void draw(const PipelineRun& run, const Job& job) {
  if (job.index >= run.plan.gallery) return;
  const OutputDir gallery = run.out.subdirectory("gallery");
  const Tensor& image = job.sample.image;
  const Tensor background =
      background_of(image.reshaped({1, image.dim(0), image.dim(1), image.dim(2)}));
  gallery.write_file(gallery_file(job.index, "input"),
                     encode_png(background.reshaped({1, image.dim(1), image.dim(2)})));
  for (std::size_t k = 0; k < job.pending.size(); ++k) {
    if (!job.attributions[k]) continue;
    const Attribution& a = *job.attributions[k];
    write_heatmaps(gallery, gallery_file(job.index, run.plan.methods[job.pending[k]].name), a.map,
                   a.signed_map, background);
  }
}

}  // namespace

void check_metrics_fit(const EvaluationPlan& plan, const Session& session, const Dataset& dataset) {
  for (const auto& m : plan.metrics) {
    const unsigned needs = session.registry().metric(m.name)->info().needs;
    if ((needs & needs_mask) != 0U && !dataset.has_masks()) {
      throw InvalidArgument("metric " + m.name + " needs ground-truth masks, and the dataset '" +
                            plan.data + "' has none");
    }
  }
}

// Scores every dataset-level metric for every method the journal lacks, in plan order.
void score_datasets(const PipelineRun& run, Resolved& r, Journal& journal) {
  const SubsetDataset test = first_samples(run.dataset, run.samples);
  r.dataset_values.assign(run.plan.methods.size(),
                          std::vector<const DatasetMetricRecord*>(r.metrics.size(), nullptr));
  for (std::size_t m = 0; m < run.plan.methods.size(); ++m) {
    for (std::size_t q = 0; q < r.metrics.size(); ++q) {
      if (!dataset_level(r.metric_infos[q])) continue;
      const std::string &method = run.plan.methods[m].name, &metric = run.plan.metrics[q].name;
      if (!journal.dataset_metric(method, metric)) {
        std::cerr << metric << " for " << method << " (" << run.samples << " samples, training on "
                  << run.train_data->size() << ") ..." << std::flush;
        const DatasetCase c{run.model,
                            *r.explainers[m],
                            run.plan.methods[m].params,
                            run.plan.metrics[q].params,
                            *run.train_data,
                            test,
                            layer_for(*r.explainers[m], r.layer)};
        DatasetMetricRecord record{method, metric, {}, 0.0, {}};
        const auto context = run.session.make_context();
        const auto start = std::chrono::steady_clock::now();
        try {
          record.values = r.metrics[q]->evaluate(c, *context).per_sample;
        } catch (const Error& e) {
          record.error = e.what();
        }
        record.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::cerr << (record.error.empty() ? " done" : " failed: " + record.error) << " ("
                  << std::fixed << std::setprecision(1) << record.seconds << std::defaultfloat
                  << " s)\n";
        journal.append(record);
      }
      r.dataset_values[m][q] = journal.dataset_metric(method, metric);
    }
  }
}

bool run_pipeline(const PipelineRun& run, Journal& journal) {
  Resolved r = resolve(run);
  score_datasets(run, r, journal);
  std::int64_t total = 0;
  for (std::int64_t i = 0; i < run.samples; ++i) {
    for (const auto& m : run.plan.methods) total += journal.done(i, m.name) ? 0 : 1;
  }
  ProgressBar progress(total);
  std::atomic<bool> stopped{false};
  std::int64_t written = 0;
  std::int64_t next = 0;
  const auto context = run.session.make_context();
  const auto in_flight = static_cast<std::size_t>(2 * std::max(1, context->threads()));

  context->run([&] {
    flow::graph graph;
    flow::input_node<JobPtr> source(graph, [&](oneapi::tbb::flow_control& control) -> JobPtr {
      while (next < run.samples && !stopped) {
        auto job = std::make_shared<Job>();
        job->index = next++;
        for (std::size_t m = 0; m < run.plan.methods.size(); ++m) {
          if (!journal.done(job->index, run.plan.methods[m].name)) job->pending.push_back(m);
        }
        if (job->pending.empty()) continue;
        job->sample = run.dataset.get(job->index);
        // [1,C,H,W] as the graph takes it (standardised as the model records, if it does).
        const Tensor& image = job->sample.image;
        job->input = standardise(run.model.input_spec(), image)
                         .reshaped({1, image.dim(0), image.dim(1), image.dim(2)});
        return job;
      }
      control.stop();
      return nullptr;
    });
    flow::limiter_node<JobPtr> limiter(graph, in_flight);
    flow::function_node<JobPtr, JobPtr> explainer(graph, flow::unlimited, [&](JobPtr job) {
      explain(run, r, *job);
      return job;
    });
    flow::function_node<JobPtr, JobPtr> scorer(graph, flow::unlimited, [&](JobPtr job) {
      score(run, r, *job);
      return job;
    });
    flow::function_node<JobPtr, flow::continue_msg> writer(
        graph, flow::serial, [&](const JobPtr& job) {
          if (!stopped) draw(run, *job);
          for (const auto& record : job->records) {
            if (stopped) break;
            journal.append(record);
            progress.advance();
            stopped = run.stop_after > 0 && ++written >= run.stop_after;
          }
          return flow::continue_msg{};
        });
    flow::make_edge(source, limiter);
    flow::make_edge(limiter, explainer);
    flow::make_edge(explainer, scorer);
    flow::make_edge(scorer, writer);
    flow::make_edge(writer, limiter.decrementer());
    source.activate();
    graph.wait_for_all();
  });
  progress.stop();
  return !stopped;
}

}  // namespace lumen::cli
