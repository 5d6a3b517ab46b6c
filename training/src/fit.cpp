#include "fit.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "lumen/error.hpp"
#include "lumen/training/loss.hpp"

namespace lumen::training::detail {
namespace {

void validate(const TrainOptions& o, const Model& model, const Dataset& data) {
  auto fail = [](const std::string& what) { throw InvalidArgument("train: " + what); };
  if (o.epochs < 0) fail("epochs " + std::to_string(o.epochs) + " must be >= 0");
  if (o.batch_size < 1) fail("batch_size " + std::to_string(o.batch_size) + " must be >= 1");
  if (o.micro_batch < 1) fail("micro_batch " + std::to_string(o.micro_batch) + " must be >= 1");
  if (!(o.validation_fraction >= 0.0 && o.validation_fraction < 1.0)) {
    fail("validation_fraction " + std::to_string(o.validation_fraction) + " must be in [0, 1)");
  }
  if (o.patience < 0) fail("patience " + std::to_string(o.patience) + " must be >= 0");
  if (!(o.batch_norm_momentum >= 0.0F && o.batch_norm_momentum <= 1.0F)) {
    fail("batch_norm_momentum " + std::to_string(o.batch_norm_momentum) + " must be in [0, 1]");
  }
  if (data.sample_shape() != model.input_spec().sample_shape) {
    fail("the dataset's samples are " + to_string(data.sample_shape()) + ", the model expects " +
         to_string(model.input_spec().sample_shape));
  }
  if (data.size() < 1) fail("the dataset is empty");
}

// The sample as the model's input: normalised by the input spec when it has mean and std.
Tensor prepared_image(const Model& model, const Sample& s) {
  const auto& spec = model.input_spec();
  if (s.image.shape() != spec.sample_shape) {
    throw InvalidArgument("train: sample '" + s.id + "' is " + to_string(s.image.shape()) +
                          ", the model expects " + to_string(spec.sample_shape));
  }
  return standardise(spec, s.image);
}

std::vector<Tensor> sum_in_order(std::vector<std::vector<Tensor>>& parts) {
  std::vector<Tensor> total = std::move(parts.front());
  for (std::size_t j = 1; j < parts.size(); ++j) {
    for (std::size_t k = 0; k < total.size(); ++k) {
      for (std::int64_t i = 0; i < total[k].size(); ++i) total[k][i] += parts[j][k][i];
    }
  }
  return total;
}

}  // namespace

std::vector<MicroBatch> forward_micro_batches(const Model& model, const Dataset& data,
                                              std::span<const std::int64_t> indices,
                                              std::int64_t micro_batch, bool training,
                                              Context& context) {
  const auto n = static_cast<std::int64_t>(indices.size());
  std::vector<MicroBatch> micro(static_cast<std::size_t>((n + micro_batch - 1) / micro_batch));
  context.parallel_for(static_cast<std::int64_t>(micro.size()), [&](std::int64_t j) {
    auto& mb = micro[static_cast<std::size_t>(j)];
    const auto first = j * micro_batch, count = std::min(micro_batch, n - first);
    std::vector<Tensor> images;
    for (std::int64_t i = first; i < first + count; ++i) {
      Sample s = data.get(indices[static_cast<std::size_t>(i)]);
      Tensor x = prepared_image(model, s);
      Shape shape = x.shape();
      shape.insert(shape.begin(), 1);
      images.push_back(x.reshaped(shape));
      mb.labels.push_back(s.label);
      mb.ids.push_back(std::move(s.id));
    }
    mb.input = Tensor::concat_batch(images);
    mb.pass = forward_pass(model, mb.input, context.backend(), training);
  });
  context.count_forward(n);
  return micro;
}

Evaluation evaluate_objective(const Model& model, const Dataset& data,
                              std::span<const std::int64_t> indices, const Objective& objective,
                              Context& context, std::int64_t micro_batch) {
  Evaluation e;
  if (indices.empty()) {
    e.loss = e.accuracy = std::numeric_limits<double>::quiet_NaN();
    return e;
  }
  const auto n = static_cast<std::int64_t>(indices.size());
  // A fixed chunk (not one per thread) keeps the order of the loss sums thread-independent.
  const std::int64_t chunk = micro_batch * 16;
  double loss = 0.0;
  std::int64_t correct = 0;
  for (std::int64_t first = 0; first < n; first += chunk) {
    context.check_cancelled();
    const auto part = indices.subspan(static_cast<std::size_t>(first),
                                      static_cast<std::size_t>(std::min(chunk, n - first)));
    const auto micro = forward_micro_batches(model, data, part, micro_batch, false, context);
    const auto r = objective(micro, static_cast<std::int64_t>(part.size()), false);
    loss += r.loss_sum;
    correct += r.correct;
  }
  e.loss = loss / static_cast<double>(n);
  e.accuracy = static_cast<double>(correct) / static_cast<double>(n);
  return e;
}

TrainResult fit(const Model& start, const Dataset& data, const TrainOptions& options,
                const Objective& objective, Context& context) {
  validate(options, start, data);
  const Split split = split_indices(data.size(), options.validation_fraction, options.seed);
  if (split.train.empty()) throw InvalidArgument("train: no samples left for training");

  std::vector<NodeId> frozen;
  for (const auto& name : options.frozen) frozen.push_back(start.graph().at(name));
  auto parameters = model_parameters(start);
  const auto owners = parameter_owners(start);
  std::vector<bool> decay(parameters.size());
  for (std::size_t k = 0; k < parameters.size(); ++k) {
    const bool is_frozen = std::find(frozen.begin(), frozen.end(), owners[k]) != frozen.end();
    decay[k] = !is_frozen && (options.decay_all || parameters[k].rank() >= 2);
  }
  Optimizer optimizer(options.optimizer);
  const bool running_statistics = has_training_layers(start);

  TrainResult result{with_parameters(start, parameters), {}, 0, false};
  Model current = with_parameters(start, parameters);
  double best = std::numeric_limits<double>::infinity();
  int since_best = 0;
  const auto batches_per_epoch =
      (static_cast<std::int64_t>(split.train.size()) + options.batch_size - 1) / options.batch_size;
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto started = std::chrono::steady_clock::now();
    auto order = split.train;
    shuffle(order, options.seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(epoch));
    double loss_sum = 0.0;
    std::int64_t correct = 0;
    for (std::int64_t b = 0; b < batches_per_epoch; ++b) {
      context.check_cancelled();
      const auto first = b * options.batch_size;
      const auto count =
          std::min(options.batch_size, static_cast<std::int64_t>(order.size()) - first);
      const std::span<const std::int64_t> batch(order.data() + first,
                                                static_cast<std::size_t>(count));
      auto micro = forward_micro_batches(current, data, batch, options.micro_batch, true, context);
      const auto r = objective(micro, count, true);
      loss_sum += r.loss_sum;
      correct += r.correct;
      std::vector<std::vector<Tensor>> grads(micro.size());
      context.parallel_for(static_cast<std::int64_t>(micro.size()), [&](std::int64_t j) {
        const auto k = static_cast<std::size_t>(j);
        grads[k] =
            parameter_gradients(current, micro[k].pass, r.seeds[k], context.backend(), frozen);
      });
      context.count_backward(count);
      optimizer.step(parameters, sum_in_order(grads), decay);
      Model next = with_parameters(current, parameters);
      if (running_statistics) {
        std::vector<const Pass*> passes;
        for (const auto& mb : micro) passes.push_back(&mb.pass);
        next = with_running_statistics(next, passes, options.batch_norm_momentum);
      }
      current = std::move(next);
      context.report_progress(
          (static_cast<double>(epoch - 1) +
           static_cast<double>(b + 1) / static_cast<double>(batches_per_epoch)) /
          options.epochs);
    }
    EpochRecord record;
    record.epoch = epoch;
    const auto trained = static_cast<double>(split.train.size());
    record.train_loss = loss_sum / trained;
    record.train_accuracy = static_cast<double>(correct) / trained;
    const auto v = evaluate_objective(current, data, split.validation, objective, context,
                                      options.micro_batch);
    record.validation_loss = v.loss;
    record.validation_accuracy = v.accuracy;
    record.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    result.history.push_back(record);
    if (options.on_epoch) options.on_epoch(record);

    const double monitored = split.validation.empty() ? record.train_loss : record.validation_loss;
    if (monitored < best) {
      best = monitored;
      since_best = 0;
      result.best_epoch = epoch;
      result.model = with_parameters(current, model_parameters(current));
    } else if (options.patience > 0 && ++since_best >= options.patience) {
      result.stopped_early = epoch < options.epochs;
      break;
    }
  }
  return result;
}

Objective cross_entropy_objective(const Model& model) {
  const NodeId logits = model.logits_node();
  const auto classes = model.class_count();
  return
      [logits, classes](const std::vector<MicroBatch>& micro, std::int64_t total, bool gradients) {
        ObjectiveResult r;
        const float scale = 1.0F / static_cast<float>(total);
        for (const auto& mb : micro) {
          for (std::size_t i = 0; i < mb.labels.size(); ++i) {
            if (mb.labels[i] < 0 || mb.labels[i] >= classes) {
              throw InvalidArgument("train: sample '" + mb.ids[i] + "' has label " +
                                    std::to_string(mb.labels[i]) + ", the model has " +
                                    std::to_string(classes) + " classes");
            }
          }
          auto ce = softmax_cross_entropy(mb.pass.outputs[logits], mb.labels);
          for (double l : ce.losses) r.loss_sum += l;
          r.correct += ce.correct;
          if (!gradients) continue;
          for (auto& v : ce.gradient.values()) v *= scale;
          r.seeds.push_back({Seed{logits, std::move(ce.gradient)}});
        }
        return r;
      };
}

}  // namespace lumen::training::detail
