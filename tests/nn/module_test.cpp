// tests for nn/src/module.cpp: parameter and buffer names and order, children, zero_grad, scopes,
// Sequential.
#include <catch2/catch.hpp>

#include <nn/nn.hpp>

#include <sstream>

using namespace ag;
using namespace ag::nn;

namespace {
std::shared_ptr<Sequential> make_mlp(Generator& gen) {
  return std::make_shared<Sequential>("mlp", std::initializer_list<std::shared_ptr<UnaryModule>>{
                                                 std::make_shared<Linear>(2, 3, gen),
                                                 std::make_shared<ReLU>(),
                                                 std::make_shared<Linear>(3, 1, gen)});
}
}  // namespace

TEST_CASE("parameters have dotted names in a stable order", "[module]") {
  Generator gen(0);
  auto mlp = make_mlp(gen);
  std::vector<std::string> names;
  for (const auto& p : mlp->named_parameters()) names.push_back(p.name);
  CHECK(names ==
        std::vector<std::string>{"mlp.0.weight", "mlp.0.bias", "mlp.2.weight", "mlp.2.bias"});
  // The tensors carry their names, so the tape and graph dumps show them.
  CHECK(mlp->parameters()[2].name() == "mlp.2.weight");
  CHECK(mlp->num_parameters() == 2 * 3 + 3 + 3 * 1 + 1);
  for (const Tensor& p : mlp->parameters()) {
    CHECK(p.requires_grad());
    CHECK(p.is_leaf());
  }
  CHECK(mlp->children().size() == 3);
  CHECK((*mlp)[1].name() == "1");
  CHECK((*mlp)[2].path() == "mlp.2");
}

TEST_CASE("LSTM parameters are named lstm.layer0.W_ih and so on", "[module]") {
  Generator gen(0);
  LSTM lstm(3, 4, gen, {.num_layers = 2});
  std::vector<std::string> names;
  for (const auto& p : lstm.named_parameters()) names.push_back(p.name);
  CHECK(names == std::vector<std::string>{"lstm.layer0.W_ih", "lstm.layer0.W_hh",
                                          "lstm.layer0.b_ih", "lstm.layer0.b_hh",
                                          "lstm.layer1.W_ih", "lstm.layer1.W_hh",
                                          "lstm.layer1.b_ih", "lstm.layer1.b_hh"});
  lstm.set_name("encoder");
  CHECK(lstm.parameters()[0].name() == "encoder.layer0.W_ih");
  CHECK(lstm.layer(1).path() == "encoder.layer1");
}

TEST_CASE("a module added to a parent takes the parent's prefix", "[module]") {
  Generator gen(0);
  auto inner = std::make_shared<Sequential>("inner");
  inner->add(std::make_shared<Linear>(2, 2, gen));
  Sequential outer("outer");
  outer.add(std::make_shared<Linear>(2, 2, gen)).add(inner);
  std::vector<std::string> names;
  for (const auto& p : outer.named_parameters()) names.push_back(p.name);
  CHECK(names == std::vector<std::string>{"outer.0.weight", "outer.0.bias", "outer.1.0.weight",
                                          "outer.1.0.bias"});
}

TEST_CASE("zero_grad clears every parameter's accumulated gradient", "[module]") {
  Generator gen(0);
  auto mlp = make_mlp(gen);
  for (int pass = 0; pass < 2; ++pass) {
    Tape tape;
    sum(mlp->forward(ag::ones({4, 2}))).backward();
  }
  for (const Tensor& p : mlp->parameters()) CHECK(p.has_grad());
  mlp->zero_grad();
  for (const Tensor& p : mlp->parameters()) CHECK_FALSE(p.has_grad());
}

TEST_CASE("gradients accumulate across tapes until zero_grad", "[module]") {
  Generator gen(1);
  Linear lin(2, 1, gen);
  const Tensor x({1.0, 2.0}, {1, 2});
  for (int pass = 0; pass < 2; ++pass) {
    Tape tape;
    sum(lin(x)).backward();
  }
  // d sum(x W^T + b) / d W = x, twice
  CHECK(lin.weight.grad().to_vector() == std::vector<double>{2.0, 4.0});
  CHECK(lin.bias.grad().item() == 2.0);
}

TEST_CASE("each module's forward runs in its own scope", "[module]") {
  Generator gen(0);
  auto mlp = make_mlp(gen);
  Tape tape;
  Tensor y = mlp->forward(ag::ones({4, 2}));
  std::vector<std::string> scope_of_ops;
  for (const Node& n : tape.nodes()) {
    if (std::string(n.op) == "matmul" || std::string(n.op) == "relu") {
      scope_of_ops.push_back(std::string(n.op) + "@" + tape.scope_name(n.scope));
    }
  }
  CHECK(scope_of_ops == std::vector<std::string>{"matmul@mlp/0", "relu@mlp/1", "matmul@mlp/2"});
}

// Whether Sequential::add accepts a module of type M: only one whose forward maps one tensor to
// one tensor (a UnaryModule). An LSTM, whose forward returns (output, (h_n, c_n)), does not
// compile there.
template <class M>
constexpr bool sequential_takes = requires(Sequential& s, std::shared_ptr<M> m) {
  s.add(m);
};
static_assert(sequential_takes<Linear> && sequential_takes<ReLU> && sequential_takes<Sequential>);
static_assert(!sequential_takes<LSTM> && !sequential_takes<RNN> && !sequential_takes<LSTMCell> &&
              !sequential_takes<RNNCell>);

TEST_CASE("Sequential says which index or module is wrong", "[module]") {
  Sequential seq("seq");
  CHECK_THROWS_AS(seq[0], IndexError);
  CHECK_THROWS_AS(seq.add(nullptr), ValueError);
}

TEST_CASE("to_string prints the module tree like PyTorch", "[module]") {
  Generator gen(0);
  auto mlp = make_mlp(gen);
  CHECK(mlp->to_string() ==
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=true)\n"
        "  (1): ReLU()\n"
        "  (2): Linear(in_features=3, out_features=1, bias=true)\n"
        ")");
}

TEST_CASE("std::cout << module and fmt::print(\"{}\", module) print the same tree", "[module]") {
  Generator gen(0);
  auto mlp = make_mlp(gen);
  std::ostringstream streamed;
  streamed << *mlp;
  CHECK(streamed.str() == mlp->to_string());
  CHECK(fmt::format("{}", *mlp) == mlp->to_string());
  // A derived class as itself (fmt picks a formatter by the exact type), and nested inside a tree.
  Linear lin(2, 3, gen);
  CHECK(fmt::format("{}", lin) == "Linear(in_features=2, out_features=3, bias=true)");
  std::ostringstream one;
  one << lin;
  CHECK(one.str() == lin.to_string());
  Sequential outer("outer");
  outer.add(mlp).add(std::make_shared<LeakyReLU>(0.1));
  CHECK(fmt::format("{}", outer) ==
        "Sequential(\n"
        "  (0): Sequential(\n"
        "    (0): Linear(in_features=2, out_features=3, bias=true)\n"
        "    (1): ReLU()\n"
        "    (2): Linear(in_features=3, out_features=1, bias=true)\n"
        "  )\n"
        "  (1): LeakyReLU(negative_slope=0.1)\n"
        ")");
}

// ----- tied parameters ---------------------------------------------------------------------------
namespace {
// Sequential{lin, ReLU, lin}: one Linear used twice, so its weight and bias are tied.
std::shared_ptr<Sequential> make_tied(Generator& gen) {
  auto lin = std::make_shared<Linear>(2, 2, gen);
  return std::make_shared<Sequential>("tied", std::initializer_list<std::shared_ptr<UnaryModule>>{
                                                  lin, std::make_shared<ReLU>(), lin});
}
}  // namespace

TEST_CASE("a module used twice lists its parameters once, under its first name", "[module]") {
  Generator gen(0);
  auto tied = make_tied(gen);
  std::vector<std::string> names;
  for (const auto& p : tied->named_parameters()) names.push_back(p.name);
  CHECK(names == std::vector<std::string>{"tied.0.weight", "tied.0.bias"});  // as PyTorch
  CHECK(tied->parameters().size() == 2);
  CHECK(tied->num_parameters() == 2 * 2 + 2);
  CHECK((*tied)[2].path() == "tied.0");  // the second place does not rename it
  CHECK(tied->to_string() ==
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=2, bias=true)\n"
        "  (1): ReLU()\n"
        "  (2): Linear(in_features=2, out_features=2, bias=true)\n"
        ")");
}

TEST_CASE("a module cannot be added to itself or below itself", "[module][errors]") {
  Generator gen(0);
  auto seq = std::make_shared<Sequential>("seq");
  CHECK_THROWS_AS(seq->add(seq), ValueError);
  CHECK_THROWS_WITH(seq->add(seq), Catch::Contains("itself") && Catch::Contains("loop"));
  CHECK(seq->size() == 0);  // the refused add changed nothing

  // A loop through a child: outer -> inner, then inner -> outer.
  auto inner = std::make_shared<Sequential>("inner");
  auto outer = std::make_shared<Sequential>("outer");
  outer->add(inner);
  CHECK_THROWS_WITH(inner->add(outer), Catch::Contains("contains this module"));
  CHECK(inner->size() == 0);
  inner->add(std::make_shared<Linear>(2, 2, gen));
  CHECK(outer->parameters().size() == 2);
}

namespace {
// A module with one parameter and one buffer, to test register_buffer on its own.
struct Counter : Module {
  explicit Counter(Tensor buffer_value) : Module("counter") {
    scale = register_parameter("scale", ag::ones({2}));
    count = register_buffer("count", std::move(buffer_value));
  }
  Tensor scale, count;
};
}  // namespace

TEST_CASE("a buffer is named like a parameter, follows renames, and is not a parameter",
          "[module]") {
  Counter counter(ag::zeros({}));
  CHECK(counter.count.name() == "counter.count");
  CHECK_FALSE(counter.count.requires_grad());
  CHECK(counter.parameters().size() == 1);
  struct Parent : Module {
    explicit Parent(Module& child) : Module("parent") { register_module("c", child); }
  } parent(counter);
  CHECK(counter.count.name() == "parent.c.count");
  parent.set_name("model");
  std::vector<std::string> names;
  for (const auto& t : parent.state_dict()) names.push_back(t.name);
  CHECK(names == std::vector<std::string>{"model.c.scale", "model.c.count"});
  CHECK(parent.named_buffers().size() == 1);
}

TEST_CASE("a buffer must be a leaf without requires_grad", "[module][errors]") {
  CHECK_THROWS_WITH(Counter(ag::zeros({}, /*requires_grad=*/true)),
                    "counter: buffer 'count' must be a leaf without requires_grad (detach() it)");
  CHECK_THROWS_WITH(Counter(Tensor()), "counter: buffer 'count' is an empty Tensor handle");
}
