#pragma once
// A minimal explainer for the loader fixtures: returns zeros, or throws when asked to.
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>

namespace fixture {

class Explainer final : public lumen::Explainer {
 public:
  explicit Explainer(std::string name) : name_(std::move(name)) {}
  lumen::ExplainerInfo info() const override {
    lumen::ExplainerInfo i;
    i.name = name_;
    i.summary = "test fixture";
    i.citation = "none";
    return i;
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest&, lumen::Context&) const override {
    throw lumen::InvalidArgument("fixture explainer '" + name_ + "' always refuses");
  }

 private:
  std::string name_;
};

}  // namespace fixture
