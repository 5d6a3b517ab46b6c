#include "cli_runner.hpp"

#include "lumen/onnx_writer.hpp"

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <random>

namespace lumen::cli_test {

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Run run_lumen(const std::string& args, const std::string& env) {
  const TempDir capture;
  const auto out = capture.path / "stdout", err = capture.path / "stderr";
  const std::string command = env + (env.empty() ? "" : " ") + "'" LUMEN_CLI_BINARY "' " + args +
                              " >'" + out.string() + "' 2>'" + err.string() + "'";
  const int status = std::system(command.c_str());
  Run r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_text(out);
  r.err = read_text(err);
  return r;
}

std::filesystem::path shapes_dir() {
  return std::filesystem::path(LUMEN_TEST_EXAMPLES_DIR) / "shapes";
}
void write_flat_model(const std::filesystem::path& file, std::int64_t channels, std::int64_t size,
                      std::int64_t classes) {
  const std::int64_t inputs = channels * size * size;
  lumen::onnx_writer::ModelBuilder()
      .add_input("x", {"N", channels, size, size})
      .add_initializer("w", lumen::Tensor({classes, inputs}, 0.5F / static_cast<float>(inputs)))
      .add_node("Flatten", {"x"}, {"f"}, {}, "flatten")
      .add_node("Gemm", {"f", "w"}, {"y"}, {{"transB", std::int64_t{1}}}, "fc")
      .add_output("y")
      .save(file);
}

std::string shapes_model() { return (shapes_dir() / "model.onnx").string(); }
std::string shapes_image(const std::string& name) {
  return (shapes_dir() / (name + ".png")).string();
}

}  // namespace lumen::cli_test
