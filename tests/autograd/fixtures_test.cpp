// tests against PyTorch: every case of tests/reference/ops.json and conv.json, replayed on the
// engine.
//
// tests/reference/fixtures_ops.py ran each op in torch (float64) on fixed inputs and stored the
// inputs, the output, fixed random weights w of the output's shape, and the gradient of
// sum(output * w) with respect to every input. Here the same op runs on the same inputs, the same
// weighted sum is backpropagated, and every number must match torch's.
//
// Tolerance: |engine - torch| <= 1e-10 * max(1, |torch|), i.e. absolute 1e-10 for numbers up to 1
// in size and relative 1e-10 above. Both sides compute in double; the difference left is
// rounding (summation order, exp/log of libm vs torch's), many orders of magnitude below 1e-10.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <autograd/autograd.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "ops_header.hpp"

using namespace ag;
using json = nlohmann::json;

namespace {

constexpr double kTolerance = 1e-10;

json read_fixture_file(const std::string& name) {
  std::ifstream in(TAPEGRAD_SOURCE_DIR "/tests/reference/" + name);
  if (!in) throw std::runtime_error("cannot open tests/reference/" + name);
  return json::parse(in);
}

// ops.json, with the cases of conv.json (conv.hpp's ops, fixtures_conv.py) appended.
const json& fixtures() {
  static const json data = [] {
    json all = read_fixture_file("ops.json");
    const json conv = read_fixture_file("conv.json");
    for (const json& c : conv.at("cases")) all.at("cases").push_back(c);
    return all;
  }();
  return data;
}

// The size pairs of conv.json's args ([h, w]).
Size2 size2(const json& pair) { return {pair.at(0).get<int64_t>(), pair.at(1).get<int64_t>()}; }

Tensor from_json(const json& spec, bool requires_grad) {
  return Tensor(spec.at("values").get<std::vector<double>>(), spec.at("shape").get<Shape>(),
                requires_grad);
}

// The expression of fixtures_ops.py's composed(), line for line (29 op calls).
Tensor composed_expression(const Tensor& x, const Tensor& W, const Tensor& b, const Tensor& s,
                           const Tensor& v) {
  Tensor h = matmul(x, W) + b;  // [4,5]
  Tensor a = tanh(h) * sigmoid(s * h);
  Tensor r = relu(h) - leaky_relu(h, 0.1);
  Tensor q = a + r / (1.0 + exp(-abs(h)));
  Tensor p = log_softmax(q, -1);                // [4,5]
  Tensor m = softmax(q * v, 0);                 // [4,5]
  Tensor c = concat({p, m}, 1);                 // [4,10]
  Tensor t = transpose(c, 0, 1);                // [10,4]
  Tensor g = index_select(t, 0, {1, 3, 3, 7});  // [4,4]
  Tensor u = max(g, 1);                         // [4]
  Tensor z = clamp(u, -3.0, 3.0) + sqrt(mean(pow(m, 2.0) + 1.0, 1));
  Tensor y = sum(reshape(slice(q, 1, 1, 3), {2, 4}), 0);                // [4]
  Tensor o = stack({z, y, minimum(z, Tensor(0.5)), maximum(y, z)}, 0);  // [4,4]
  return div(permute(o, {1, 0}), mean(pow(o, Tensor(2.0))) + 1.0);
}

using OpFn = std::function<Tensor(const std::vector<Tensor>&, const json&)>;

// Fixture op name -> the engine call. Names with a suffix pick an overload: pow_scalar is
// pow(Tensor, double), sum_all / sum_axis are sum() and sum(axis, keepdim).
const std::map<std::string, OpFn>& ops() {
  static const std::map<std::string, OpFn> table = {
      {"add", [](auto& in, auto&) { return add(in[0], in[1]); }},
      {"sub", [](auto& in, auto&) { return sub(in[0], in[1]); }},
      {"mul", [](auto& in, auto&) { return mul(in[0], in[1]); }},
      {"div", [](auto& in, auto&) { return div(in[0], in[1]); }},
      {"pow", [](auto& in, auto&) { return pow(in[0], in[1]); }},
      {"maximum", [](auto& in, auto&) { return maximum(in[0], in[1]); }},
      {"minimum", [](auto& in, auto&) { return minimum(in[0], in[1]); }},
      {"neg", [](auto& in, auto&) { return neg(in[0]); }},
      {"pow_scalar",
       [](auto& in, auto& a) { return pow(in[0], a.at("exponent").template get<double>()); }},
      {"exp", [](auto& in, auto&) { return exp(in[0]); }},
      {"log", [](auto& in, auto&) { return log(in[0]); }},
      {"sqrt", [](auto& in, auto&) { return sqrt(in[0]); }},
      {"abs", [](auto& in, auto&) { return abs(in[0]); }},
      {"tanh", [](auto& in, auto&) { return tanh(in[0]); }},
      {"sigmoid", [](auto& in, auto&) { return sigmoid(in[0]); }},
      {"relu", [](auto& in, auto&) { return relu(in[0]); }},
      {"leaky_relu",
       [](auto& in, auto& a) { return leaky_relu(in[0], a.at("slope").template get<double>()); }},
      {"clamp",
       [](auto& in, auto& a) {
         return clamp(in[0], a.at("lo").template get<double>(), a.at("hi").template get<double>());
       }},
      {"hardtanh",
       [](auto& in, auto& a) {
         return hardtanh(in[0], a.at("lo").template get<double>(),
                         a.at("hi").template get<double>());
       }},
      {"sum_all", [](auto& in, auto&) { return sum(in[0]); }},
      {"mean_all", [](auto& in, auto&) { return mean(in[0]); }},
      {"sum_axis",
       [](auto& in, auto& a) {
         return sum(in[0], a.at("axis").template get<int64_t>(),
                    a.at("keepdim").template get<bool>());
       }},
      {"mean_axis",
       [](auto& in, auto& a) {
         return mean(in[0], a.at("axis").template get<int64_t>(),
                     a.at("keepdim").template get<bool>());
       }},
      {"max",
       [](auto& in, auto& a) {
         return max(in[0], a.at("axis").template get<int64_t>(),
                    a.at("keepdim").template get<bool>());
       }},
      {"matmul", [](auto& in, auto&) { return matmul(in[0], in[1]); }},
      {"addmm", [](auto& in, auto&) { return addmm(in[0], in[1], in[2]); }},
      {"reshape",
       [](auto& in, auto& a) { return reshape(in[0], a.at("shape").template get<Shape>()); }},
      {"transpose",
       [](auto& in, auto& a) {
         return transpose(in[0], a.at("axis0").template get<int64_t>(),
                          a.at("axis1").template get<int64_t>());
       }},
      {"permute",
       [](auto& in, auto& a) {
         return permute(in[0], a.at("dims").template get<std::vector<int64_t>>());
       }},
      {"slice",
       [](auto& in, auto& a) {
         return slice(in[0], a.at("axis").template get<int64_t>(),
                      a.at("start").template get<int64_t>(), a.at("end").template get<int64_t>());
       }},
      {"concat",
       [](auto& in, auto& a) { return concat(in, a.at("axis").template get<int64_t>()); }},
      {"stack", [](auto& in, auto& a) { return stack(in, a.at("axis").template get<int64_t>()); }},
      {"index_select",
       [](auto& in, auto& a) {
         return index_select(in[0], a.at("axis").template get<int64_t>(),
                             a.at("indices").template get<std::vector<int64_t>>());
       }},
      {"gather",
       [](auto& in, auto& a) {
         return gather(in[0], a.at("axis").template get<int64_t>(), in[1]);
       }},
      {"log_softmax",
       [](auto& in, auto& a) { return log_softmax(in[0], a.at("axis").template get<int64_t>()); }},
      {"softmax",
       [](auto& in, auto& a) { return softmax(in[0], a.at("axis").template get<int64_t>()); }},
      {"conv2d",
       [](auto& in, auto& a) {
         return conv2d(in[0], in[1], in.size() == 3 ? in[2] : Tensor(),
                       {.stride = size2(a.at("stride")),
                        .padding = size2(a.at("padding")),
                        .dilation = size2(a.at("dilation"))});
       }},
      {"conv1d",
       [](auto& in, auto& a) {
         return conv1d(in[0], in[1], in.size() == 3 ? in[2] : Tensor(),
                       {.stride = a.at("stride").template get<int64_t>(),
                        .padding = a.at("padding").template get<int64_t>(),
                        .dilation = a.at("dilation").template get<int64_t>()});
       }},
      {"max_pool2d",
       [](auto& in, auto& a) {
         return max_pool2d(in[0], {.kernel_size = size2(a.at("kernel_size")),
                                   .stride = size2(a.at("stride")),
                                   .padding = size2(a.at("padding"))});
       }},
      {"avg_pool2d",
       [](auto& in, auto& a) {
         return avg_pool2d(in[0], {.kernel_size = size2(a.at("kernel_size")),
                                   .stride = size2(a.at("stride")),
                                   .padding = size2(a.at("padding"))});
       }},
      {"max_pool1d",
       [](auto& in, auto& a) {
         return max_pool1d(in[0], {.kernel_size = a.at("kernel_size").template get<int64_t>(),
                                   .stride = a.at("stride").template get<int64_t>(),
                                   .padding = a.at("padding").template get<int64_t>()});
       }},
      {"composed",
       [](auto& in, auto&) { return composed_expression(in[0], in[1], in[2], in[3], in[4]); }},
  };
  return table;
}

// The engine op a fixture op name exercises: "pow_scalar" -> "pow", "sum_axis" -> "sum".
std::string engine_op(const std::string& fixture_op) {
  for (const char* suffix : {"_scalar", "_all", "_axis"}) {
    const std::string s = suffix;
    if (fixture_op.size() > s.size() && fixture_op.ends_with(s)) {
      return fixture_op.substr(0, fixture_op.size() - s.size());
    }
  }
  return fixture_op;
}

// Compares got with want element by element; returns "" when all agree, else a description of
// the first disagreement and how many there are. Adds the comparisons made to `count`.
std::string compare(std::span<const double> got, const std::vector<double>& want, size_t& count) {
  if (got.size() != want.size()) {
    return fmt::format("{} numbers, torch has {}", got.size(), want.size());
  }
  size_t bad = 0;
  std::string first;
  for (size_t i = 0; i < want.size(); ++i) {
    ++count;
    const double allowed = kTolerance * std::max(1.0, std::abs(want[i]));
    if (!(std::abs(got[i] - want[i]) <= allowed)) {  // NaN fails too
      if (bad++ == 0)
        first = fmt::format("element {}: engine {:.17g}, torch {:.17g}", i, got[i], want[i]);
    }
  }
  return bad == 0 ? "" : fmt::format("{} of {} differ; first at {}", bad, want.size(), first);
}

}  // namespace

TEST_CASE("every op matches PyTorch values and gradients to 1e-10", "[fixtures][ops]") {
  const json& cases = fixtures().at("cases");
  REQUIRE(cases.size() > 100);
  size_t comparisons = 0, expected_comparisons = 0;
  for (const json& c : cases) {
    const std::string name = c.at("name");
    const std::string op = c.at("op");
    INFO("fixture: " << name);
    auto fn = ops().find(op);
    REQUIRE(fn != ops().end());

    Tape tape;
    std::vector<Tensor> inputs;
    for (const json& in : c.at("inputs")) inputs.push_back(from_json(in, in.at("requires_grad")));
    Tensor out = fn->second(inputs, c.at("args"));

    const json& want = c.at("output");
    CHECK(shape_str(out.shape()) == shape_str(want.at("shape").get<Shape>()));
    const auto want_values = want.at("values").get<std::vector<double>>();
    expected_comparisons += want_values.size();
    {
      INFO("output values");
      CHECK(compare(out.data(), want_values, comparisons) == "");
    }

    // backward of sum(out * w), with torch's w
    Tensor w(c.at("weights").get<std::vector<double>>(), out.shape());
    Tensor loss = sum(mul(out, w));
    if (loss.requires_grad()) tape.backward(loss);
    const json& grads = c.at("grads");
    REQUIRE(grads.size() == inputs.size());
    for (size_t k = 0; k < inputs.size(); ++k) {
      if (grads[k].is_null()) {
        CHECK_FALSE(inputs[k].has_grad());
        continue;
      }
      const auto want_grad = grads[k].get<std::vector<double>>();
      expected_comparisons += want_grad.size();
      // An input no gradient reached has none: compare zeros, as torch stored.
      const std::vector<double> zeros(static_cast<size_t>(inputs[k].numel()), 0.0);
      INFO("gradient of input " << k);
      CHECK(compare(inputs[k].has_grad() ? inputs[k].grad_data() : std::span<const double>(zeros),
                    want_grad, comparisons) == "");
    }
  }
  // Nothing was skipped: every number stored in ops.json was compared.
  CHECK(comparisons == expected_comparisons);
  CHECK(comparisons > 3000);
}

TEST_CASE("the fixtures cover every op declared in ops.hpp and conv.hpp", "[fixtures][ops]") {
  std::set<std::string> covered;
  for (const json& c : fixtures().at("cases")) covered.insert(engine_op(c.at("op")));
  for (const auto& [op, params] : ops_header::differentiable_ops()) {
    INFO("op declared in ops.hpp: " << op);
    CHECK(covered.count(op) == 1);
  }
  // and every fixture op is one the engine has (or the composed expression)
  const auto declared = ops_header::differentiable_ops();
  for (const std::string& op : covered) {
    INFO("op in ops.json: " << op);
    CHECK((declared.count(op) == 1 || op == "composed"));
  }
}

TEST_CASE("the composed fixture exercises more than 20 recorded ops", "[fixtures][ops]") {
  for (const json& c : fixtures().at("cases")) {
    if (c.at("op") != "composed") continue;
    Tape tape;
    std::vector<Tensor> in;
    for (const json& i : c.at("inputs")) in.push_back(from_json(i, true));
    composed_expression(in[0], in[1], in[2], in[3], in[4]);
    std::set<std::string> kinds;
    size_t op_nodes = 0;
    for (const Node& n : tape.nodes()) {
      if (n.backward == nullptr) continue;  // leaves and constants
      ++op_nodes;
      kinds.insert(n.op);
    }
    CHECK(op_nodes >= 20);
    CHECK(kinds.size() >= 20);  // distinct ops, not one op twenty times
    return;
  }
  FAIL("no composed case in ops.json");
}
