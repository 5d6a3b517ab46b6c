#include "convolution.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "plans.hpp"
#include "primitive_cache.hpp"
#include "threads.hpp"

namespace lumen::cpu_onednn {
namespace {

using dnnl::memory;
using Index = std::int64_t;

// Note [oneDNN on lumen's threads]
// oneDNN's own threads are OpenMP teams: each call ends at a barrier, and on a loaded machine a
// barrier waits for a descheduled thread (ResNet-18 saliency on 2 threads went from 85 ms to
// 940 ms while a build ran). So oneDNN always runs on one thread, and lumen splits each call
// into tasks for oneTBB, which lets an idle thread take work and never waits for a busy one:
// blocks of samples; within a block, slices of the channels being computed (output channels
// forward, input channels backward); and bands of the rows being computed, each reading the rows
// of the other operand its windows reach. The split depends on the geometry only, never on the
// thread count, so neither do the results.
struct Split {
  Index block = 1;   // samples per task
  Index chunk = 1;   // channels per task
  Index chunks = 1;  // channel slices
  Index rows = 1;    // rows per band
  Index bands = 1;   // row bands
};

/// The rows a band of `rows` computed rows starting at `first` reads, and the padding it sees.
struct Band {
  Index first = 0, rows = 0;            // rows computed (output forward, input backward)
  Index read_first = 0, read_rows = 0;  // rows read of the other operand
  Index pad_top = 0, pad_bottom = 0;
};

Index extent(Index kernel, Index dilation) { return (kernel - 1) * dilation + 1; }

/// Forward: output rows [first, first + rows) read input rows [first * s - pad, ...), clipped.
Band forward_band(const Conv2dGeometry& g, Index first, Index rows) {
  const Index low = first * g.stride_h - g.pad_top;
  const Index high = (first + rows - 1) * g.stride_h - g.pad_top + extent(g.kernel_h, g.dilation_h);
  Band b{first, rows, std::max<Index>(0, low), 0, 0, 0};
  b.read_rows = std::min(g.in_h, high) - b.read_first;
  b.pad_top = b.read_first - low;
  b.pad_bottom = high - std::min(g.in_h, high);
  return b;
}

Index ceil_div(Index a, Index b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

/// Backward data: input rows [first, first + rows) receive from the output rows whose windows
/// reach them; the band's padding places those windows where they are in the whole.
Band backward_band(const Conv2dGeometry& g, Index first, Index rows) {
  const Index reach = extent(g.kernel_h, g.dilation_h) - 1;
  const Index low = std::max<Index>(0, ceil_div(first + g.pad_top - reach, g.stride_h));
  const Index high = std::min<Index>(g.out_h, (first + rows - 1 + g.pad_top) / g.stride_h + 1);
  Band b{first, rows, low, high - low, 0, 0};
  b.pad_top = g.pad_top + first - low * g.stride_h;
  b.pad_bottom = (b.read_rows - 1) * g.stride_h + reach + 1 - rows - b.pad_top;
  return b;
}

/// Band `r` of split `s`; with one band, all rows as the geometry has them.
Band band_of(const Conv2dGeometry& g, const Split& s, Index r, bool forward) {
  if (s.bands == 1) {
    return forward ? Band{0, g.out_h, 0, g.in_h, g.pad_top, g.pad_bottom}
                   : Band{0, g.in_h, 0, g.out_h, g.pad_top, g.pad_bottom};
  }
  const Index first = r * s.rows, computed_h = forward ? g.out_h : g.in_h;
  const Index rows = std::min(s.rows, computed_h - first);
  return forward ? forward_band(g, first, rows) : backward_band(g, first, rows);
}

/// The geometry of band `b`: its computed rows, the rows it reads and the padding it sees.
Conv2dGeometry band_geometry(Conv2dGeometry g, const Band& b, bool forward) {
  (forward ? g.out_h : g.in_h) = b.rows;
  (forward ? g.in_h : g.out_h) = b.read_rows;
  g.pad_top = b.pad_top;
  g.pad_bottom = b.pad_bottom;
  return g;
}

/// Whether every band reads at least one row and sees padding oneDNN takes (less than the
/// kernel's extent); otherwise the rows stay whole.
bool bands_fit(const Conv2dGeometry& g, const Split& s, bool forward) {
  for (Index r = 0; r < s.bands; ++r) {
    const Band b = band_of(g, s, r, forward);
    const Index limit = extent(g.kernel_h, g.dilation_h);
    if (b.read_rows < 1 || b.pad_top < 0 || b.pad_bottom < 0 || b.pad_top >= limit ||
        b.pad_bottom >= limit) {
      return false;
    }
  }
  return true;
}

Split split_of(const Conv2dGeometry& g, Index channels, bool forward) {
  constexpr Index small_flops = 20'000'000;  // below this a call is one task
  constexpr Index flops_per_task = 50'000'000;
  constexpr Index most_tasks = 8;
  constexpr Index positions_per_task = 56 * 56;
  constexpr Index fewest_band_rows = 4;
  const Index flops = 2 * g.batch * g.out_channels * g.out_h * g.out_w *
                      (g.in_channels / g.groups) * g.kernel_h * g.kernel_w;
  const Index computed_h = forward ? g.out_h : g.in_h;
  Split s;
  s.rows = computed_h;
  if (flops < small_flops) {
    s.block = g.batch;
    s.chunk = channels;
    return s;
  }
  const Index plane = g.out_h * g.out_w;
  s.block = std::clamp<Index>((positions_per_task + plane - 1) / plane, 1, g.batch);
  // Up to four slices of at least 64 channels. Each slice re-reads the input, so slicing costs
  // a single thread 5-8% on VGG-16 and ResNet-18 (16-channel slices cost 40%), and gives a second
  // thread work on a single image. Grouped convolutions are split by samples and rows only.
  s.chunks = g.groups == 1 && channels % 64 == 0 ? std::min<Index>(4, channels / 64) : 1;
  s.chunk = channels / s.chunks;
  // Bands of rows make up the tasks still wanted; a band re-reads only the rows its windows share
  // with the next. Backward bands start at multiples of the stride, so each sees the same phase.
  const Index tasks = ((g.batch + s.block - 1) / s.block) * s.chunks;
  const Index wanted = std::clamp<Index>(flops / flops_per_task, 1, most_tasks);
  if (tasks >= wanted) return s;
  const Index step = forward ? 1 : g.stride_h;
  const Index bands = std::min(ceil_div(wanted, tasks), computed_h / fewest_band_rows);
  if (bands < 2) return s;
  Split banded = s;
  banded.rows = ceil_div(ceil_div(computed_h, bands), step) * step;
  banded.bands = ceil_div(computed_h, banded.rows);
  return banded.bands > 1 && bands_fit(g, banded, forward) ? banded : s;
}

/// Weights reordered to a primitive's layout, one memory per channel slice.
struct KeptWeights {
  memory::desc layout;
  std::vector<memory> slices;
};

/// FNV-1a over this backend's tag, the slicing and the layout's descriptor bytes.
std::uint64_t layout_key(const memory::desc& layout, Index chunks) {
  std::uint64_t hash = 14695981039346656037ULL;
  const auto mix = [&](const void* bytes, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) {
      hash ^= static_cast<const unsigned char*>(bytes)[i];
      hash *= 1099511628211ULL;
    }
  };
  static constexpr char tag[] = "cpu-onednn weights";
  mix(tag, sizeof tag);
  mix(&chunks, sizeof chunks);
  mix(&layout.data, sizeof layout.data);
  return hash;
}

void run_reorder(const Operand& op, const memory& from, const memory& to,
                 const dnnl::engine& engine, dnnl::stream& stream) {
  memory scratch(op.convert_scratchpad, engine);
  op.convert->execute(stream,
                      {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}, {DNNL_ARG_SCRATCHPAD, scratch}});
}

/// `data` (lumen's layout) as the primitive wants it: the same memory, or a reordered copy.
memory into_primitive(const Operand& op, const float* data, const dnnl::engine& engine,
                      dnnl::stream& stream) {
  memory plain(op.plain, engine, const_cast<float*>(data));
  if (!op.convert) return plain;
  memory internal(op.internal, engine);
  run_reorder(op, plain, internal, engine, stream);
  return internal;
}

/// Runs `plan` with `args` (inputs bound) and writes its one output `out_arg` to `out`.
void execute(const Plan& plan, std::unordered_map<int, memory> args, int out_arg, float* out,
             const dnnl::engine& engine, dnnl::stream& stream) {
  const Operand& op = plan.operands.at(out_arg);
  memory plain(op.plain, engine, out);
  memory result = op.convert ? memory(op.internal, engine) : plain;
  args[out_arg] = result;
  args[DNNL_ARG_SCRATCHPAD] = memory(plan.scratchpad, engine);
  plan.primitive.execute(stream, args);
  if (op.convert) run_reorder(op, result, plain, engine, stream);
}

/// The weights of every channel slice in the layout `plan` wants, from `cache` when it kept them
/// (Note [weights kept in oneDNN's layout]); `slice(c)` points at slice c in lumen's layout.
template <typename SliceOf>
std::shared_ptr<const KeptWeights> weights_for(const Plan& plan, Index chunks, SliceOf slice,
                                               const WeightCache* cache,
                                               const dnnl::engine& engine) {
  const Operand& op = plan.operands.at(DNNL_ARG_WEIGHTS);
  const std::uint64_t key = layout_key(op.internal, chunks);
  if (cache) {
    auto kept = std::static_pointer_cast<const KeptWeights>(cache->find(key));
    if (kept && kept->layout == op.internal && static_cast<Index>(kept->slices.size()) == chunks) {
      return kept;
    }
  }
  auto made = std::make_shared<KeptWeights>(KeptWeights{op.internal, {}});
  made->slices.resize(static_cast<std::size_t>(chunks));
  tbb::parallel_for(Index{0}, chunks, [&](Index c) {
    const OmpThreads one(1);
    dnnl::stream stream(engine);
    made->slices[static_cast<std::size_t>(c)] = into_primitive(op, slice(c), engine, stream);
    stream.wait();
  });
  if (cache) cache->keep(key, made);
  return made;
}

enum : int { forward_kernel, backward_data_kernel, backward_weights_kernel };

/// A part's plan depends on the part's geometry and on the whole's channels and plane sizes
/// (its operands are views into the whole's tensors).
PrimitiveCache<Plan>::Key key_of(int kernel, const Conv2dGeometry& g, const Conv2dGeometry& whole,
                                 bool bias) {
  return {kernel,        g.batch,
          g.in_channels, g.in_h,
          g.in_w,        g.out_channels,
          g.out_h,       g.out_w,
          g.kernel_h,    g.kernel_w,
          g.stride_h,    g.stride_w,
          g.pad_top,     g.pad_left,
          g.pad_bottom,  g.pad_right,
          g.dilation_h,  g.dilation_w,
          g.groups,      whole.in_channels,
          whole.in_h,    whole.out_channels,
          whole.out_h,   bias ? 1 : 0};
}

}  // namespace

struct Convolutions::Plans {
  PrimitiveCache<Plan> cache;
};

Convolutions::Convolutions()
    : engine_(dnnl::engine::kind::cpu, 0), plans_(std::make_unique<Plans>()) {}

Convolutions::~Convolutions() = default;

void Convolutions::forward(const Conv2dGeometry& g, const float* x, const float* w,
                           const WeightCache* cache, const float* bias, float* y) const {
  const Split s = split_of(g, g.out_channels, true);
  const Index in_sample = g.in_channels * g.in_h * g.in_w;
  const Index out_sample = g.out_channels * g.out_h * g.out_w;
  const Index weights_per_slice = s.chunk * (g.in_channels / g.groups) * g.kernel_h * g.kernel_w;
  const Index blocks = (g.batch + s.block - 1) / s.block;
  // Weights that change between calls are reordered once per call, not once per task.
  const WeightCache this_call;
  const WeightCache* kept = cache ? cache : &this_call;
  tbb::parallel_for(Index{0}, blocks * s.bands, [&](Index task) {
    const OmpThreads one(1);
    const Index b = task / s.bands, r = task % s.bands;
    const Index n0 = b * s.block, count = std::min(s.block, g.batch - n0);
    const Band band = band_of(g, s, r, true);
    Conv2dGeometry part = band_geometry(g, band, true);
    part.batch = count;
    part.out_channels = s.chunk;
    const auto plan = plans_->cache.get(key_of(forward_kernel, part, g, bias != nullptr), [&] {
      return forward_plan(part, g, bias != nullptr, engine_);
    });
    const auto weights = weights_for(
        *plan, s.chunks, [&](Index c) { return w + c * weights_per_slice; }, kept, engine_);
    dnnl::stream stream(engine_);
    const memory src =
        into_primitive(plan->operands.at(DNNL_ARG_SRC),
                       x + n0 * in_sample + band.read_first * g.in_w, engine_, stream);
    stream.wait();
    tbb::parallel_for(Index{0}, s.chunks, [&](Index c) {
      const OmpThreads single(1);
      dnnl::stream slice_stream(engine_);
      std::unordered_map<int, memory> args{
          {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights->slices[static_cast<std::size_t>(c)]}};
      if (bias) {
        args[DNNL_ARG_BIAS] = memory(plan->operands.at(DNNL_ARG_BIAS).plain, engine_,
                                     const_cast<float*>(bias + c * s.chunk));
      }
      execute(*plan, std::move(args), DNNL_ARG_DST,
              y + n0 * out_sample + c * s.chunk * g.out_h * g.out_w + band.first * g.out_w, engine_,
              slice_stream);
      slice_stream.wait();
    });
  });
}

void Convolutions::backward_data(const Conv2dGeometry& g, const float* dy, const float* w,
                                 const WeightCache* cache, float* dx) const {
  const Split s = split_of(g, g.in_channels, false);
  const Index in_sample = g.in_channels * g.in_h * g.in_w;
  const Index out_sample = g.out_channels * g.out_h * g.out_w;
  const Index taps = g.kernel_h * g.kernel_w;
  const Index blocks = (g.batch + s.block - 1) / s.block;
  // Weights that change between calls are reordered once per call, not once per task.
  const WeightCache this_call;
  const WeightCache* kept = cache ? cache : &this_call;
  tbb::parallel_for(Index{0}, blocks * s.bands, [&](Index task) {
    const OmpThreads one(1);
    const Index b = task / s.bands, r = task % s.bands;
    const Index n0 = b * s.block, count = std::min(s.block, g.batch - n0);
    const Band band = band_of(g, s, r, false);
    Conv2dGeometry part = band_geometry(g, band, false);
    part.batch = count;
    part.in_channels = s.chunk;
    const auto plan = plans_->cache.get(key_of(backward_data_kernel, part, g, false),
                                        [&] { return backward_data_plan(part, g, engine_); });
    // Slice c of the weights is w[:, c * chunk : (c + 1) * chunk] (strided, for groups == 1).
    const auto weights = weights_for(
        *plan, s.chunks, [&](Index c) { return w + c * s.chunk * taps; }, kept, engine_);
    dnnl::stream stream(engine_);
    const memory diff_dst =
        into_primitive(plan->operands.at(DNNL_ARG_DIFF_DST),
                       dy + n0 * out_sample + band.read_first * g.out_w, engine_, stream);
    stream.wait();
    tbb::parallel_for(Index{0}, s.chunks, [&](Index c) {
      const OmpThreads single(1);
      dnnl::stream slice_stream(engine_);
      execute(*plan,
              {{DNNL_ARG_DIFF_DST, diff_dst},
               {DNNL_ARG_WEIGHTS, weights->slices[static_cast<std::size_t>(c)]}},
              DNNL_ARG_DIFF_SRC,
              dx + n0 * in_sample + c * s.chunk * g.in_h * g.in_w + band.first * g.in_w, engine_,
              slice_stream);
      slice_stream.wait();
    });
  });
}

void Convolutions::backward_weights(const Conv2dGeometry& g, const float* x, const float* dy,
                                    float* dw, float* db) const {
  // Note [deterministic weight gradients]: oneDNN would split this reduction (over the batch and
  // the output positions) among threads, so the order of the sums would follow the thread count.
  // One call on one thread keeps it fixed; training parallelises over micro-batches instead.
  const OmpThreads one(1);
  const bool bias = db != nullptr;
  const auto plan = plans_->cache.get(key_of(backward_weights_kernel, g, g, bias),
                                      [&] { return backward_weights_plan(g, bias, engine_); });
  dnnl::stream stream(engine_);
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, into_primitive(plan->operands.at(DNNL_ARG_SRC), x, engine_, stream)},
      {DNNL_ARG_DIFF_DST,
       into_primitive(plan->operands.at(DNNL_ARG_DIFF_DST), dy, engine_, stream)}};
  if (bias) {
    const Operand& op = plan->operands.at(DNNL_ARG_DIFF_BIAS);
    args[DNNL_ARG_DIFF_BIAS] = memory(op.plain, engine_, db);
  }
  execute(*plan, std::move(args), DNNL_ARG_DIFF_WEIGHTS, dw, engine_, stream);
  stream.wait();
}

}  // namespace lumen::cpu_onednn
