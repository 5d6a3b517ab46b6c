// Times the cpu-blas backend on a 3x3 convolution 64->64 at 56x56 (batch 1: forward, backward
// data, backward weights) and on a 1024^3 sgemm, with 1 and 2 threads. Rounds alternate between the
// thread counts (the machine is noisy) and the median of each is printed in GFLOP/s.
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>
#include <vector>

#include "blas.hpp"
#include "cpu_blas_backend.hpp"

namespace {

using I = std::int64_t;

constexpr int rounds = 15;

std::vector<float> random_values(I count) {
  std::mt19937 engine(7);
  std::uniform_real_distribution<float> uniform(-1.0F, 1.0F);
  std::vector<float> values(static_cast<std::size_t>(count));
  for (float& v : values) v = uniform(engine);
  return values;
}

double seconds(const std::function<void()>& work) {
  const auto start = std::chrono::steady_clock::now();
  work();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

void report(const char* name, double flops, const std::function<void()>& work) {
  tbb::task_arena one(1), two(2);
  // Warm-up: page faults and OpenBLAS buffers.
  for (int round = 0; round < 2; ++round) {
    one.execute(work);
    two.execute(work);
  }
  std::vector<double> times_one, times_two;
  for (int round = 0; round < rounds; ++round) {
    times_one.push_back(seconds([&] { one.execute(work); }));
    times_two.push_back(seconds([&] { two.execute(work); }));
  }
  const double t1 = median(times_one), t2 = median(times_two);
  std::printf("%-28s 1 thread %8.2f ms %7.1f GFLOP/s | 2 threads %8.2f ms %7.1f GFLOP/s | x%.2f\n",
              name, t1 * 1e3, flops / t1 * 1e-9, t2 * 1e3, flops / t2 * 1e-9, t1 / t2);
}

/// Keeps both threads busy for about a second: on this machine, parallel runs in the first tenths
/// of a second of a process often do not scale, whatever the kernel.
void warm_up_threads() {
  const I n = 512;
  const auto a = random_values(n * n);
  std::vector<float> c(a.size());
  const auto backend = lumen::make_cpu_blas_backend();
  tbb::task_arena two(2);
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(1)) {
    two.execute([&] {
      backend->gemm(false, false, n, n, n, 1.0F, a.data(), n, a.data(), n, 0.0F, c.data(), n);
    });
  }
}

}  // namespace

int main() {
  warm_up_threads();
  const auto backend = lumen::make_cpu_blas_backend();

  lumen::Conv2dGeometry g;
  g.in_channels = g.out_channels = 64;
  g.in_h = g.in_w = g.out_h = g.out_w = 56;
  g.kernel_h = g.kernel_w = 3;
  g.pad_top = g.pad_left = g.pad_bottom = g.pad_right = 1;
  const auto x = random_values(64 * 56 * 56), w = random_values(64 * 64 * 9);
  std::vector<float> y(64 * 56 * 56);
  const double conv_flops = 2.0 * 64 * 56 * 56 * 64 * 9;
  report("conv 3x3 64->64 56x56 fwd", conv_flops,
         [&] { backend->conv2d_forward(g, x.data(), w.data(), nullptr, y.data()); });
  std::vector<float> dx(x.size()), dw(w.size());
  report("conv 3x3 64->64 56x56 bwd-d", conv_flops,
         [&] { backend->conv2d_backward_data(g, y.data(), w.data(), dx.data()); });
  report("conv 3x3 64->64 56x56 bwd-w", conv_flops,
         [&] { backend->conv2d_backward_weights(g, x.data(), y.data(), dw.data(), nullptr); });

  const I n = 1024;
  const auto a = random_values(n * n), b = random_values(n * n);
  std::vector<float> c(static_cast<std::size_t>(n * n));
  report("sgemm 1024^3 (tiled)", 2.0 * n * n * n, [&] {
    backend->gemm(false, false, n, n, n, 1.0F, a.data(), n, b.data(), n, 0.0F, c.data(), n);
  });
  // For scale: the same product as one OpenBLAS call on one thread (the arena does not matter).
  report("sgemm 1024^3 (one call)", 2.0 * n * n * n, [&] {
    lumen::cpu_blas::sgemm(false, false, n, n, n, 1.0F, a.data(), n, b.data(), n, 0.0F, c.data(),
                           n);
  });
  return 0;
}
