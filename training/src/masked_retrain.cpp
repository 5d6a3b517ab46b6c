#include "lumen/training/masked_retrain.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <tuple>

#include "lumen/error.hpp"
#include "lumen/trace.hpp"
#include "lumen/training/architectures.hpp"
#include "lumen/training/sparse_autoencoder.hpp"

namespace lumen::training {
namespace {

// The kept pixels of one image's pixel relevance (see the header's definition).
void mask_one(const std::vector<double>& relevance, const MaskOptions& options, float* mask) {
  std::vector<std::int64_t> positive;
  double total = 0.0;
  for (std::size_t i = 0; i < relevance.size(); ++i) {
    if (relevance[i] > 0.0) {
      positive.push_back(static_cast<std::int64_t>(i));
      total += relevance[i];
    }
  }
  std::stable_sort(positive.begin(), positive.end(), [&](std::int64_t a, std::int64_t b) {
    return relevance[static_cast<std::size_t>(a)] > relevance[static_cast<std::size_t>(b)];
  });
  std::size_t kept = 0;
  if (options.rule == KeepRule::count) {
    kept = static_cast<std::size_t>(
        std::ceil(options.keep * static_cast<double>(positive.size()) - 1e-9));
  } else {
    const double wanted = options.keep * total;
    double sum = 0.0;
    // Relative slack so that keep = 1 keeps every positive pixel despite rounding.
    while (kept < positive.size() && sum < wanted * (1.0 - 1e-12)) {
      sum += relevance[static_cast<std::size_t>(positive[kept])];
      ++kept;
    }
  }
  for (std::size_t k = 0; k < kept; ++k) mask[positive[k]] = 1.0F;
}

// Samples [first, first + count) as a model input batch, with their labels.
Tensor load_batch(const Model& model, const Dataset& data, std::int64_t first, std::int64_t count,
                  std::vector<std::int64_t>& labels) {
  std::vector<Tensor> images;
  for (std::int64_t i = first; i < first + count; ++i) {
    Sample s = data.get(i);
    labels.push_back(s.label);
    const Tensor x = standardise(model.input_spec(), s.image);
    images.push_back(x.reshaped({1, x.dim(0), x.dim(1), x.dim(2)}));
  }
  return Tensor::concat_batch(images);
}

std::vector<std::int64_t> argmax_rows(const Tensor& logits) {
  const auto n = logits.dim(0), k = logits.dim(1);
  std::vector<std::int64_t> best(static_cast<std::size_t>(n), 0);
  for (std::int64_t r = 0; r < n; ++r) {
    for (std::int64_t c = 1; c < k; ++c) {
      if (logits[r * k + c] > logits[r * k + best[static_cast<std::size_t>(r)]]) {
        best[static_cast<std::size_t>(r)] = c;
      }
    }
  }
  return best;
}

std::int64_t batch_count(std::int64_t size, std::int64_t batch) {
  return (size + batch - 1) / batch;
}

void check_batch(std::int64_t batch, const char* name) {
  if (batch < 1) {
    throw InvalidArgument(std::string("masked_retrain: ") + name + " " + std::to_string(batch) +
                          " must be >= 1");
  }
}

MaskStatistics statistics(const std::vector<Tensor>& masks) {
  MaskStatistics s;
  for (const Tensor& m : masks) {
    double kept = 0.0;
    for (float v : m.values()) kept += v;
    s.kept_fraction += kept / static_cast<double>(m.size());
    s.empty_masks += kept == 0.0 ? 1 : 0;
  }
  if (!masks.empty()) s.kept_fraction /= static_cast<double>(masks.size());
  return s;
}

void check_compatible(const Model& model, const Dataset& data, const char* role) {
  if (data.sample_shape() != model.input_spec().sample_shape ||
      static_cast<std::int64_t>(data.class_names().size()) != model.class_count()) {
    throw InvalidArgument(std::string("masked_retrain: the ") + role + " set has samples " +
                          to_string(data.sample_shape()) + " of " +
                          std::to_string(data.class_names().size()) + " classes; the model takes " +
                          to_string(model.input_spec().sample_shape) + " and has " +
                          std::to_string(model.class_count()) + " classes");
  }
  if (data.size() < 1)
    throw InvalidArgument(std::string("masked_retrain: the ") + role + " set is empty");
}

}  // namespace

Tensor relevance_masks(const Tensor& attribution, const MaskOptions& options) {
  if (attribution.rank() != 4) {
    throw InvalidArgument("relevance_masks: the attribution must be [N,C,H,W], got " +
                          to_string(attribution.shape()));
  }
  if (!(options.keep > 0.0 && options.keep <= 1.0)) {
    throw InvalidArgument("relevance_masks: keep " + std::to_string(options.keep) +
                          " must be in (0, 1]");
  }
  const auto n = attribution.dim(0), c = attribution.dim(1);
  const auto plane = attribution.dim(2) * attribution.dim(3);
  Tensor masks({n, 1, attribution.dim(2), attribution.dim(3)});
  std::vector<double> pixel(static_cast<std::size_t>(plane));
  for (std::int64_t s = 0; s < n; ++s) {
    std::fill(pixel.begin(), pixel.end(), 0.0);
    for (std::int64_t ch = 0; ch < c; ++ch) {
      const float* a = attribution.data() + (s * c + ch) * plane;
      for (std::int64_t i = 0; i < plane; ++i) pixel[static_cast<std::size_t>(i)] += a[i];
    }
    mask_one(pixel, options, masks.data() + s * plane);
  }
  return masks;
}

MaskedDataset::MaskedDataset(const Dataset& source, const std::vector<Tensor>& masks)
    : classes_(source.class_names()),
      shape_(source.sample_shape()),
      has_masks_(source.has_masks()) {
  if (static_cast<std::int64_t>(masks.size()) != source.size()) {
    throw InvalidArgument("MaskedDataset: " + std::to_string(masks.size()) + " masks for " +
                          std::to_string(source.size()) + " samples");
  }
  const Shape mask_shape{1, shape_.at(1), shape_.at(2)};
  const auto plane = shape_[1] * shape_[2];
  samples_.reserve(masks.size());
  for (std::int64_t i = 0; i < source.size(); ++i) {
    const Tensor& m = masks[static_cast<std::size_t>(i)];
    if (m.shape() != mask_shape) {
      throw InvalidArgument("MaskedDataset: mask " + std::to_string(i) + " is " +
                            to_string(m.shape()) + ", expected " + to_string(mask_shape));
    }
    Sample s = source.get(i);
    for (std::int64_t k = 0; k < s.image.size(); ++k) s.image[k] *= m[k % plane];
    s.id += " (masked)";
    samples_.push_back(std::move(s));
  }
}

Sample MaskedDataset::get(std::int64_t index) const {
  if (index < 0 || index >= size()) {
    throw InvalidArgument("MaskedDataset: index " + std::to_string(index) + " outside [0, " +
                          std::to_string(size()) + ")");
  }
  return samples_[static_cast<std::size_t>(index)];
}

std::vector<Tensor> explanation_masks(const Model& model, const Dataset& data,
                                      const ExplainerChoice& method, TargetChoice targets,
                                      const MaskOptions& options, Context& context,
                                      std::int64_t batch_size) {
  check_batch(batch_size, "explain batch");
  if (method.explainer == nullptr) throw InvalidArgument("explanation_masks: no explainer given");
  const auto n = data.size();
  std::vector<Tensor> masks(static_cast<std::size_t>(n));
  context.parallel_for(batch_count(n, batch_size), [&](std::int64_t b) {
    context.check_cancelled();
    const auto first = b * batch_size;
    const auto count = std::min(batch_size, n - first);
    std::vector<std::int64_t> labels;
    const Tensor input = load_batch(model, data, first, count, labels);
    const auto chosen = targets == TargetChoice::label
                            ? labels
                            : argmax_rows(predict_logits(model, input, context));
    const ExplainRequest request{model, input, chosen, method.params, method.layer};
    const Tensor batch_masks =
        relevance_masks(method.explainer->explain(request, context).map, options);
    for (std::int64_t i = 0; i < count; ++i) {
      masks[static_cast<std::size_t>(first + i)] =
          batch_masks.batch_slice(i).reshaped({1, batch_masks.dim(2), batch_masks.dim(3)});
    }
  });
  return masks;
}

ClassificationReport classification_report(const Model& model, const Dataset& data,
                                           Context& context, std::int64_t batch_size) {
  check_batch(batch_size, "evaluate batch");
  const auto n = data.size();
  const auto classes = model.class_count();
  std::vector<std::int64_t> truth(static_cast<std::size_t>(n)), predicted(truth.size());
  context.parallel_for(batch_count(n, batch_size), [&](std::int64_t b) {
    const auto first = b * batch_size;
    const auto count = std::min(batch_size, n - first);
    std::vector<std::int64_t> labels;
    const auto best =
        argmax_rows(predict_logits(model, load_batch(model, data, first, count, labels), context));
    std::copy(labels.begin(), labels.end(), truth.begin() + first);
    std::copy(best.begin(), best.end(), predicted.begin() + first);
  });
  ClassificationReport r;
  r.class_names = data.class_names();
  const auto k = static_cast<std::size_t>(classes);
  r.confusion.assign(k, std::vector<std::int64_t>(k, 0));
  r.class_count.assign(k, 0);
  std::int64_t correct = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const auto t = static_cast<std::size_t>(truth[i]);
    if (truth[i] < 0 || t >= k) {
      throw InvalidArgument("classification_report: sample " + std::to_string(i) + " has label " +
                            std::to_string(truth[i]) + ", the model has " +
                            std::to_string(classes) + " classes");
    }
    ++r.confusion[t][static_cast<std::size_t>(predicted[i])];
    ++r.class_count[t];
    correct += truth[i] == predicted[i] ? 1 : 0;
  }
  r.accuracy = n > 0 ? static_cast<double>(correct) / static_cast<double>(n) : 0.0;
  r.labels = std::move(truth);
  r.predictions = std::move(predicted);
  for (std::size_t c = 0; c < k; ++c) {
    r.class_accuracy.push_back(r.class_count[c] > 0 ? static_cast<double>(r.confusion[c][c]) /
                                                          static_cast<double>(r.class_count[c])
                                                    : std::numeric_limits<double>::quiet_NaN());
  }
  return r;
}

ModelTrainer architecture_trainer(const std::string& name, const TrainOptions& options,
                                  std::uint64_t seed, std::int64_t hidden) {
  const auto names = architecture_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    // build_architecture's message names the accepted ones.
    build_architecture(name, {});
  }
  return [=](const Dataset& data, Context& context) {
    if (name == "sparse-autoencoder") {
      SparseAutoencoderOptions o;
      o.hidden = hidden;
      o.seed = seed;
      o.autoencoder = options;
      o.classifier = options;
      o.fine_tune = options;
      return train_sparse_autoencoder(data, o, context).classifier;
    }
    ArchitectureOptions arch = architecture_options(data, seed);
    arch.hidden = hidden;
    // Standardised inputs, as lumen train does: raw SAR intensities train far more slowly.
    std::tie(arch.mean, arch.std) = channel_statistics(data);
    return train(build_architecture(name, arch), data, options, context).model;
  };
}

MaskedRetrainResult masked_retrain(const Model& model, const Dataset& train, const Dataset& test,
                                   const ExplainerChoice& method, const ModelTrainer& trainer,
                                   const MaskedRetrainOptions& options, Context& context) {
  check_compatible(model, train, "training");
  check_compatible(model, test, "test");
  const auto train_masks = explanation_masks(model, train, method, options.train_targets,
                                             options.mask, context, options.explain_batch);
  const auto test_masks = explanation_masks(model, test, method, options.test_targets, options.mask,
                                            context, options.explain_batch);
  const MaskedDataset masked_train(train, train_masks);
  const MaskedDataset masked_test(test, test_masks);
  Model retrained = trainer(masked_train, context);
  const auto eb = options.evaluate_batch;
  MaskedRetrainResult r{std::move(retrained),
                        classification_report(model, test, context, eb),
                        classification_report(model, masked_test, context, eb),
                        {},
                        {},
                        statistics(train_masks),
                        statistics(test_masks)};
  r.retrained_on_original = classification_report(r.retrained, test, context, eb);
  r.retrained_on_masked = classification_report(r.retrained, masked_test, context, eb);
  return r;
}

}  // namespace lumen::training
