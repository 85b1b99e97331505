// tests for autograd/src/gradcheck.cpp, and the gradcheck table: every op against central
// differences.
//
// First gradcheck itself: it must pass a right derivative, catch a wrong one (an op recorded by
// hand with a deliberately wrong backward rule), name the worst element, and leave its inputs as
// it found them. Then the table: one row per op (and per interesting shape), each a name and a
// lambda, all run through the public ag::gradcheck with its default tolerances.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <autograd/autograd.hpp>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "ops_header.hpp"

using namespace ag;

namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

// The values a row's inputs take. Central differences need a smooth neighbourhood of width eps
// around every element, so the inputs avoid kinks: `away` keeps |x| >= 0.1 (relu, abs), `positive`
// keeps x in [0.5, 2] (log, sqrt, pow's base).
enum class Domain { away, positive };

struct Row {
  std::string name;  // starts with the op's name: the coverage test below reads it
  std::vector<Shape> shapes;
  Domain domain;
  Fn f;
};

Tensor make_input(const Shape& shape, Domain domain, Generator& gen) {
  Tensor t = zeros(shape, true);
  for (double& v : t.mutable_data()) {
    if (domain == Domain::positive) {
      v = gen.uniform(0.5, 2.0);
    } else {
      v = gen.normal();
      v += v >= 0 ? 0.1 : -0.1;
    }
  }
  return t;
}

// A bad op: result = self^2 with the backward rule 3 self (instead of 2 self).
void bad_square_backward(const Tape& tape, const Node& node) {
  double* g = tape.input_grad(node, 0);
  if (g == nullptr) return;
  const double* x = tape.input(node, 0).value.data();
  const double* grad = node.out->grad.data();
  for (size_t i = 0; i < node.out->value.size(); ++i) g[i] += grad[i] * 3.0 * x[i];
}

Tensor bad_square(const Tensor& self) {
  auto out = std::make_shared<TensorImpl>();
  out->shape = self.shape();
  out->value = Buffer(self.impl().value.size());
  for (size_t i = 0; i < out->value.size(); ++i) out->value[i] = self.data()[i] * self.data()[i];
  if (Tape* tape = Tape::current()) {
    const Tensor* in[] = {&self};
    tape->record("bad_square", in, out, &bad_square_backward);
  }
  return Tensor(out);
}

const Tensor gather_index = tensor({2, 0, 2, 1, 0, 0, 1, 2}, {2, 4});

// clang-format off
const std::vector<Row>& rows() {
  using D = Domain;
  using V = const std::vector<Tensor>&;
  static const std::vector<Row> table = {
    // ----- elementwise, two inputs, with broadcasting -----
    {"add [2,3] + [2,3]",        {{2, 3}, {2, 3}},       D::away, [](V x) { return add(x[0], x[1]); }},
    {"add [2,3] + [3]",          {{2, 3}, {3}},          D::away, [](V x) { return add(x[0], x[1]); }},
    {"add [4,1,3] + [2,3]",      {{4, 1, 3}, {2, 3}},    D::away, [](V x) { return add(x[0], x[1]); }},
    {"sub [2,1] - [1,3]",        {{2, 1}, {1, 3}},       D::away, [](V x) { return sub(x[0], x[1]); }},
    {"sub [] - [2,3]",           {{}, {2, 3}},           D::away, [](V x) { return sub(x[0], x[1]); }},
    {"mul [2,1] * [1,3]",        {{2, 1}, {1, 3}},       D::away, [](V x) { return mul(x[0], x[1]); }},
    {"mul [] * [2,3]",           {{}, {2, 3}},           D::away, [](V x) { return mul(x[0], x[1]); }},
    {"mul [4,1,3] * [2,3]",      {{4, 1, 3}, {2, 3}},    D::away, [](V x) { return mul(x[0], x[1]); }},
    {"mul x * x",                {{2, 3}},               D::away, [](V x) { return mul(x[0], x[0]); }},
    {"div [2,3] / [3]",          {{2, 3}, {3}},          D::positive, [](V x) { return div(x[0], x[1]); }},
    {"div [3,1] / [1,4]",        {{3, 1}, {1, 4}},       D::positive, [](V x) { return div(x[0], x[1]); }},
    {"pow [2,3] ^ [3]",          {{2, 3}, {3}},          D::positive, [](V x) { return pow(x[0], x[1]); }},
    {"pow [4,1,3] ^ [2,3]",      {{4, 1, 3}, {2, 3}},    D::positive, [](V x) { return pow(x[0], x[1]); }},
    {"maximum [2,3] [3]",        {{2, 3}, {3}},          D::away, [](V x) { return maximum(x[0], x[1]); }},
    {"maximum [4,1,3] [2,3]",    {{4, 1, 3}, {2, 3}},    D::away, [](V x) { return maximum(x[0], x[1]); }},
    {"minimum [2,1] [1,3]",      {{2, 1}, {1, 3}},       D::away, [](V x) { return minimum(x[0], x[1]); }},
    // ----- elementwise, one input -----
    {"neg",                      {{2, 3}},               D::away, [](V x) { return neg(x[0]); }},
    {"pow x^3",                  {{2, 3}},               D::away, [](V x) { return pow(x[0], 3.0); }},
    {"pow x^-1.5",               {{2, 3}},               D::positive, [](V x) { return pow(x[0], -1.5); }},
    {"pow x^0.5",                {{2, 3}},               D::positive, [](V x) { return pow(x[0], 0.5); }},
    {"exp",                      {{2, 3}},               D::away, [](V x) { return exp(x[0]); }},
    {"log",                      {{2, 3}},               D::positive, [](V x) { return log(x[0]); }},
    {"sqrt",                     {{2, 3}},               D::positive, [](V x) { return sqrt(x[0]); }},
    {"abs",                      {{2, 3}},               D::away, [](V x) { return abs(x[0]); }},
    {"tanh",                     {{2, 3}},               D::away, [](V x) { return tanh(x[0]); }},
    {"sigmoid",                  {{2, 3}},               D::away, [](V x) { return sigmoid(x[0]); }},
    {"sigmoid of large inputs",  {{2, 3}},               D::away, [](V x) { return sigmoid(x[0] * 20.0); }},
    {"relu",                     {{3, 4}},               D::away, [](V x) { return relu(x[0]); }},
    {"leaky_relu default",       {{3, 4}},               D::away, [](V x) { return leaky_relu(x[0]); }},
    {"leaky_relu slope 0.2",     {{3, 4}},               D::away, [](V x) { return leaky_relu(x[0], 0.2); }},
    {"clamp",                    {{3, 4}},               D::away, [](V x) { return clamp(x[0], -0.45, 0.55); }},
    {"hardtanh",                 {{3, 4}},               D::away, [](V x) { return hardtanh(x[0], -0.45, 0.55); }},
    // ----- reductions -----
    {"sum all",                  {{2, 3, 4}},            D::away, [](V x) { return sum(x[0]); }},
    {"sum axis 1",               {{2, 3, 4}},            D::away, [](V x) { return sum(x[0], 1); }},
    {"sum axis -1 keepdim",      {{2, 3, 4}},            D::away, [](V x) { return sum(x[0], -1, true); }},
    {"mean all",                 {{2, 3, 4}},            D::away, [](V x) { return mean(x[0]); }},
    {"mean axis 0 keepdim",      {{2, 3, 4}},            D::away, [](V x) { return mean(x[0], 0, true); }},
    {"mean axis 2",              {{2, 3, 4}},            D::away, [](V x) { return mean(x[0], 2); }},
    {"max axis 0",               {{3, 4}},               D::away, [](V x) { return max(x[0], 0); }},
    {"max axis 1 keepdim",       {{2, 3, 4}},            D::away, [](V x) { return max(x[0], 1, true); }},
    // ----- matmul -----
    {"matmul [2,3] @ [3,4]",     {{2, 3}, {3, 4}},       D::away, [](V x) { return matmul(x[0], x[1]); }},
    {"matmul [1,3] @ [3,1]",     {{1, 3}, {3, 1}},       D::away, [](V x) { return matmul(x[0], x[1]); }},
    {"matmul [4,1] @ [1,2]",     {{4, 1}, {1, 2}},       D::away, [](V x) { return matmul(x[0], x[1]); }},
    {"matmul [2,3,4] @ [4,5]",   {{2, 3, 4}, {4, 5}},    D::away, [](V x) { return matmul(x[0], x[1]); }},
    {"matmul x @ x",             {{3, 3}},               D::away, [](V x) { return matmul(x[0], x[0]); }},
    {"addmm [4] + [3,2] @ [2,4]", {{4}, {3, 2}, {2, 4}},  D::away, [](V x) { return addmm(x[0], x[1], x[2]); }},
    {"addmm [3,4] + [3,2] @ [2,4]", {{3, 4}, {3, 2}, {2, 4}}, D::away, [](V x) { return addmm(x[0], x[1], x[2]); }},
    {"addmm [1,1] + [2,3] @ [3,1]", {{1, 1}, {2, 3}, {3, 1}}, D::away, [](V x) { return addmm(x[0], x[1], x[2]); }},
    {"addmm x + x @ x",          {{3, 3}},               D::away, [](V x) { return addmm(x[0], x[0], x[0]); }},
    // ----- shape -----
    {"reshape",                  {{2, 3, 4}},            D::away, [](V x) { return reshape(x[0], {4, -1}); }},
    {"permute",                  {{2, 3, 4}},            D::away, [](V x) { return permute(x[0], {2, 0, 1}); }},
    {"transpose default",        {{2, 3, 4}},            D::away, [](V x) { return transpose(x[0]); }},
    {"transpose 0 2",            {{2, 3, 4}},            D::away, [](V x) { return transpose(x[0], 0, 2); }},
    {"slice axis 1",             {{2, 5, 3}},            D::away, [](V x) { return slice(x[0], 1, 1, 4); }},
    {"slice negative bounds",    {{2, 5}},               D::away, [](V x) { return slice(x[0], -1, -3, -1); }},
    {"concat axis 0",            {{2, 3}, {1, 3}},       D::away, [](V x) { return concat({x[0], x[1]}, 0); }},
    {"concat axis 1 with itself", {{2, 3}, {2, 1}},      D::away, [](V x) { return concat({x[0], x[1], x[0]}, 1); }},
    {"stack axis 0",             {{2, 3}, {2, 3}},       D::away, [](V x) { return stack({x[0], x[1]}, 0); }},
    {"stack axis -1",            {{2, 3}, {2, 3}},       D::away, [](V x) { return stack({x[0], x[1]}, -1); }},
    {"index_select repeated",    {{3, 4}},               D::away, [](V x) { return index_select(x[0], 0, {2, 0, 2}); }},
    {"index_select axis 1",      {{3, 4}},               D::away, [](V x) { return index_select(x[0], 1, {3, 3, 1}); }},
    {"gather axis 0",            {{3, 4}},               D::away, [](V x) { return gather(x[0], 0, gather_index); }},
    {"gather axis 1",            {{2, 5}},               D::away, [](V x) { return gather(x[0], 1, gather_index); }},
    // ----- softmax -----
    {"log_softmax axis -1",      {{3, 4}},               D::away, [](V x) { return log_softmax(x[0], -1); }},
    {"log_softmax axis 1 of 3-d", {{2, 3, 4}},           D::away, [](V x) { return log_softmax(x[0], 1); }},
    {"softmax axis 0",           {{3, 4}},               D::away, [](V x) { return softmax(x[0], 0); }},
    {"softmax axis -1 of 3-d",   {{2, 3, 4}},            D::away, [](V x) { return softmax(x[0], -1); }},
    // ----- convolution and pooling (conv.hpp) -----
    {"conv2d 3x3 padding 1",     {{2, 3, 5, 4}, {4, 3, 3, 3}, {4}}, D::away,
     [](V x) { return conv2d(x[0], x[1], x[2], {.padding = 1}); }},
    {"conv2d strided, dilated, no bias", {{1, 2, 7, 6}, {3, 2, 2, 3}}, D::away,
     [](V x) { return conv2d(x[0], x[1], {}, {.stride = {2, 1}, .padding = {0, 2}, .dilation = 2}); }},
    {"conv2d x with itself",     {{1, 1, 3, 3}},         D::away, [](V x) { return conv2d(x[0], x[0]); }},
    {"conv1d",                   {{2, 3, 7}, {2, 3, 3}, {2}}, D::away,
     [](V x) { return conv1d(x[0], x[1], x[2], {.stride = 2, .padding = 1}); }},
    {"max_pool2d 2x2",           {{2, 2, 4, 5}},         D::away, [](V x) { return max_pool2d(x[0], {.kernel_size = 2}); }},
    {"max_pool2d overlapping padded", {{1, 2, 5, 5}},    D::away,
     [](V x) { return max_pool2d(x[0], {.kernel_size = 3, .stride = 2, .padding = 1}); }},
    {"max_pool1d",               {{2, 3, 7}},            D::away,
     [](V x) { return max_pool1d(x[0], {.kernel_size = 3, .stride = 2, .padding = 1}); }},
    {"avg_pool2d",               {{2, 2, 5, 4}},         D::away,
     [](V x) { return avg_pool2d(x[0], {.kernel_size = {2, 3}, .stride = 1, .padding = 1}); }},
    // ----- several at once -----
    {"mlp layer",                {{4, 3}, {3, 5}, {5}},  D::away,
     [](V x) { return log_softmax(tanh(matmul(x[0], x[1]) + x[2]), -1); }},
    {"mean squared error",       {{4, 3}, {4, 3}},       D::away,
     [](V x) { return mean(pow(sub(x[0], x[1]), 2.0)); }},
  };
  return table;
}
// clang-format on

}  // namespace

TEST_CASE("gradcheck table: every op against central differences", "[gradcheck][ops]") {
  const size_t i = GENERATE(range(size_t{0}, rows().size()));
  const Row& row = rows()[i];
  Generator gen(1000 + i);
  std::vector<Tensor> inputs;
  for (const Shape& s : row.shapes) inputs.push_back(make_input(s, row.domain, gen));
  INFO("row: " << row.name);
  const GradcheckResult result = gradcheck(row.f, inputs);
  INFO(result.message);
  REQUIRE(result.ok);
}

TEST_CASE("the gradcheck table has a row for every op in ops.hpp and conv.hpp", "[gradcheck][ops]") {
  std::set<std::string> covered;
  for (const Row& row : rows()) covered.insert(row.name.substr(0, row.name.find(' ')));
  for (const auto& [op, params] : ops_header::differentiable_ops()) {
    INFO("op declared in ops.hpp: " << op);
    CHECK(covered.count(op) == 1);
  }
}

// The op index (op_info.hpp) is what pictures show on hover: every op the tape can record must
// have an entry. The table above runs every op, so the names its tapes record are all of them.
TEST_CASE("every op the tape records has an entry in the op index", "[gradcheck][ops]") {
  std::set<std::string> recorded;
  for (size_t i = 0; i < rows().size(); ++i) {
    Generator gen(2000 + i);
    std::vector<Tensor> inputs;
    for (const Shape& s : rows()[i].shapes) inputs.push_back(make_input(s, rows()[i].domain, gen));
    inputs.push_back(tensor({1.0, 2.0}, {2}));  // and a constant, which records "const"
    Tape tape;
    Tensor out = rows()[i].f(inputs);
    Tensor unused = inputs.back() * 2.0;
    for (const Node& node : tape.nodes()) recorded.insert(node.op);
  }
  CHECK(recorded.count("leaf") == 1);
  CHECK(recorded.count("const") == 1);
  std::set<std::string> indexed;
  for (const OpInfo* info : op_infos()) {
    INFO("entry " << info->name);
    CHECK(indexed.insert(info->name).second);  // each name once
    CHECK(std::string(info->formula).size() > 5);
  }
  for (const std::string& op : recorded) {
    INFO("recorded op " << op);
    REQUIRE(op_info(op) != nullptr);
    CHECK(std::string(op_info(op)->name) == op);
  }
  // And no entry for an op that nothing records (a renamed op would leave one behind).
  for (const std::string& op : indexed) {
    INFO("entry " << op);
    CHECK(recorded.count(op) == 1);
  }
  CHECK(op_info("no_such_op") == nullptr);
}

// An elementwise entry's derivatives (Tape::elementwise_derivatives: the rule run on a gradient
// of ones, element by element) are what the backward rule gives one element alone
// (Tape::local_derivatives on a one-element input), here on a four-element input.
TEST_CASE("the op index's elementwise derivatives are the backward rules'", "[gradcheck][ops]") {
  const std::vector<std::pair<std::function<Tensor(const Tensor&)>, const char*>> ops = {
      {[](const Tensor& x) { return neg(x); }, "neg"},
      {[](const Tensor& x) { return exp(x); }, "exp"},
      {[](const Tensor& x) { return log(x); }, "log"},
      {[](const Tensor& x) { return sqrt(x); }, "sqrt"},
      {[](const Tensor& x) { return abs(x); }, "abs"},
      {[](const Tensor& x) { return tanh(x); }, "tanh"},
      {[](const Tensor& x) { return sigmoid(x); }, "sigmoid"},
      {[](const Tensor& x) { return relu(x); }, "relu"},
      {[](const Tensor& x) { return leaky_relu(x, 0.2); }, "leaky_relu"},
      {[](const Tensor& x) { return clamp(x, -0.5, 0.5); }, "clamp"},
      {[](const Tensor& x) { return hardtanh(x, -0.5, 0.5); }, "hardtanh"}};
  const std::vector<double> values = {-2.0, -0.3, 0.4, 1.5};
  for (const auto& [f, name] : ops) {
    const bool positive_only = std::string(name) == "log" || std::string(name) == "sqrt";
    Tape tape;
    Tensor x = tensor(values, {4});  // a constant: its derivatives are shown all the same
    if (positive_only) x = abs(x);
    Tensor y = f(x);
    const Node& node = tape.node(tape.size() - 1);
    REQUIRE(std::string(node.op) == name);
    REQUIRE(op_info(name) != nullptr);
    REQUIRE(op_info(name)->elementwise);
    const std::vector<double> all = tape.elementwise_derivatives(tape.size() - 1);
    REQUIRE(all.size() == 4);
    for (size_t j = 0; j < 4; ++j) {
      INFO(name << " at " << x.data()[j]);
      Tape one;
      Tensor xj = scalar(x.data()[j], true);
      Tensor yj = f(xj);
      CHECK(all[j] == Approx(one.local_derivatives(one.size() - 1)[0][0]));
    }
  }
  CHECK(op_info("tanh")->saturates);
  CHECK(op_info("sigmoid")->saturates);
  CHECK_FALSE(op_info("relu")->saturates);
  CHECK(op_info("relu")->switches_off);
  CHECK_FALSE(op_info("matmul")->elementwise);
}

TEST_CASE("gradcheck passes a right derivative and catches a wrong one", "[gradcheck]") {
  Generator gen(7);
  Tensor x = make_input({2, 3}, Domain::away, gen);

  const auto good = gradcheck([](const std::vector<Tensor>& in) { return mul(in[0], in[0]); }, {x});
  CHECK(good.ok);
  CHECK_THAT(good.message, Catch::StartsWith("gradcheck passed"));

  const auto bad = gradcheck([](const std::vector<Tensor>& in) { return bad_square(in[0]); }, {x});
  CHECK_FALSE(bad.ok);
  CHECK_THAT(bad.message, Catch::Contains("FAILED"));
  CHECK(bad.input == 0);
  REQUIRE(bad.element >= 0);
  CHECK(bad.index.size() == 2);
  // the rule says 3x where the truth is 2x: analytic / numeric is 3/2 at the worst element
  CHECK(bad.analytic == Approx(1.5 * bad.numeric).epsilon(1e-6));
  CHECK(bad.abs_error == Approx(std::abs(bad.analytic - bad.numeric)));
}

TEST_CASE("gradcheck leaves values and gradients of its inputs as it found them", "[gradcheck]") {
  Generator gen(8);
  Tensor a = make_input({2, 3}, Domain::away, gen);
  Tensor b = make_input({3}, Domain::away, gen);
  const auto a_before = a.to_vector(), b_before = b.to_vector();
  {
    Tape tape;
    sum(a * 2.0).backward();  // a holds a gradient of 2s; b holds none
  }
  REQUIRE(a.has_grad());
  const auto a_grad_before = std::vector<double>(a.grad_data().begin(), a.grad_data().end());

  const auto r = gradcheck([](const std::vector<Tensor>& in) { return mul(in[0], in[1]); }, {a, b});
  CHECK(r.ok);
  CHECK(a.to_vector() == a_before);
  CHECK(b.to_vector() == b_before);
  CHECK(std::vector<double>(a.grad_data().begin(), a.grad_data().end()) == a_grad_before);
  CHECK_FALSE(b.has_grad());
}

TEST_CASE("gradcheck checks only the inputs that require grad", "[gradcheck]") {
  Generator gen(9);
  Tensor a = make_input({3}, Domain::away, gen);
  Tensor c = tensor({1.0, 2.0, 3.0}, {3});  // a constant
  const auto r = gradcheck([](const std::vector<Tensor>& in) { return mul(in[0], in[1]); }, {a, c});
  CHECK(r.ok);
  CHECK(r.input == 0);

  const auto none = gradcheck([](const std::vector<Tensor>& in) { return exp(in[0]); }, {c});
  CHECK(none.element == -1);
  CHECK_FALSE(none.ok);  // a check that checked nothing must not pass
  CHECK_THAT(none.message, Catch::Contains("nothing to check"));
}

TEST_CASE("gradcheck puts the input back when f throws", "[gradcheck]") {
  Tensor x = tensor({1.0, 2.0}, {2}, true);
  {
    Tape tape;
    sum(x * x).backward();  // a gradient from before the check: [2, 4]
  }
  int calls = 0;
  const Fn throws_when_nudged = [&](const std::vector<Tensor>& in) {
    if (++calls > 1) throw ValueError("f failed");  // the analytic pass works, the numeric not
    return sum(in[0] * in[0]);
  };
  CHECK_THROWS_AS(gradcheck(throws_when_nudged, {x}), ValueError);
  CHECK(x.to_vector() == std::vector<double>{1.0, 2.0});  // not 1 + eps
  CHECK(x.grad().to_vector() == std::vector<double>{2.0, 4.0});
}
