#include "plain.hpp"

#include <algorithm>
#include <lumen/model.hpp>
#include <lumen/trace.hpp>

namespace lumen::occlusion {

namespace {

// `image` with windows [first, first + count) each filled with `baseline`, one window per copy:
// [count,C,H,W].
Tensor occluded_copies(const Tensor& image, const SlidingWindows& windows, std::int64_t first,
                       std::int64_t count, float baseline) {
  const std::int64_t plane = windows.dims[1] * windows.dims[2];
  const std::int64_t sample = windows.dims[0] * plane;
  Shape shape = image.shape();
  shape[0] = count;
  Tensor copies(shape);
  for (std::int64_t k = 0; k < count; ++k) {
    float* out = copies.data() + k * sample;
    std::copy(image.data(), image.data() + sample, out);
    const auto c = windows.range(first + k, 0);
    const auto y = windows.range(first + k, 1);
    const auto x = windows.range(first + k, 2);
    for (std::int64_t ci = c[0]; ci < c[1]; ++ci)
      for (std::int64_t yi = y[0]; yi < y[1]; ++yi)
        std::fill(out + ci * plane + yi * windows.dims[2] + x[0],
                  out + ci * plane + yi * windows.dims[2] + x[1], baseline);
  }
  return copies;
}

}  // namespace

Logits plain_occlusion(const ExplainRequest& request, const SlidingWindows& windows,
                       const Jobs& jobs, float baseline, Context& context) {
  Logits out(jobs);
  out.set_reference(predict_logits(request.model, request.input, context), request.targets);
  const std::int64_t classes = request.model.class_count();
  context.parallel_for(jobs.total(), [&](std::int64_t job) {
    const std::int64_t n = jobs.sample(job);
    const std::int64_t size = jobs.size(job);
    const Tensor copies =
        occluded_copies(request.input.batch_slice(n), windows, jobs.first(job), size, baseline);
    const Tensor logits = predict_logits(request.model, copies, context);
    const std::int64_t target = request.targets[static_cast<std::size_t>(n)];
    double* occluded = out.occluded_at(jobs, job);
    for (std::int64_t k = 0; k < size; ++k) occluded[k] = logits[k * classes + target];
  });
  return out;
}

}  // namespace lumen::occlusion
