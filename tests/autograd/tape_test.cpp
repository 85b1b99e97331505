// tests for autograd/src/tape.cpp and tape_inspect.cpp: recording, the reverse loop,
// accumulation, scopes, guards, the errors of tape misuse, that a tape frees what it recorded,
// edge gradient norms and local derivatives.
#include <pthread.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <memory>
#include <thread>

#include <autograd/autograd.hpp>

using namespace ag;
using Catch::Contains;

TEST_CASE("gradients accumulate: b = a + a, c = b + b gives dc/da = 4", "[tape]") {
  Tape tape;
  Tensor a = scalar(3.0, true);
  Tensor b = a + a;
  Tensor c = b + b;
  c.backward();
  CHECK(a.grad().item() == 4.0);
}

TEST_CASE("micrograd's README example gives micrograd's numbers", "[tape]") {
  Tape tape;
  Tensor a = scalar(-4.0, true), b = scalar(2.0, true);
  Tensor c = a + b;
  Tensor d = a * b + b.pow(3);
  c = c + c + 1;
  c = c + 1 + c + (-a);
  d = d + d * 2 + (b + a).relu();
  d = d + 3 * d + (b - a).relu();
  Tensor e = c - d;
  Tensor f = e.pow(2);
  Tensor g = f / 2.0;
  g = g + 10.0 / f;
  g.backward();
  // The values micrograd's README prints (and PyTorch agrees with).
  CHECK(g.item() == Approx(24.70408163265306).epsilon(1e-12));
  CHECK(a.grad().item() == Approx(138.83381924198252).epsilon(1e-12));
  CHECK(b.grad().item() == Approx(645.5772594752186).epsilon(1e-12));
}

TEST_CASE("the tape records in creation order, leaves first use included", "[tape]") {
  Tape tape;
  Tensor x = scalar(2.0, true).set_name("x");
  Tensor y = x * 3.0;
  REQUIRE(tape.size() == 3);
  CHECK(std::string(tape.node(0).op) == "leaf");
  CHECK(std::string(tape.node(1).op) == "const");
  CHECK(std::string(tape.node(2).op) == "mul");
  CHECK(tape.inputs_of(2).size() == 2);
  CHECK(tape.inputs_of(2)[0] == 0);
  CHECK(tape.inputs_of(2)[1] == 1);
  // A tensor used again keeps its node: no second leaf for x.
  Tensor z = y + x;
  CHECK(tape.size() == 4);
  CHECK(tape.inputs_of(3)[1] == 0);
}

namespace {
// Runs f on a thread with a small stack (256 KiB): a recursive walk of a million nodes would
// overflow it; one flat loop does not.
void on_small_stack(void (*f)()) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t thread;
  REQUIRE(pthread_create(
              &thread, &attr,
              [](void* g) -> void* {
                reinterpret_cast<void (*)()>(g)();
                return nullptr;
              },
              reinterpret_cast<void*>(f)) == 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
}

double g_chain_grad = 0.0;
size_t g_chain_nodes = 0;

void million_node_chain() {
  Tape tape;
  Tensor x0 = scalar(1.0, true);
  Tensor x = x0;
  for (int i = 0; i < 500000; ++i) x = x * 1.0000001 + 0.0;  // 4 nodes each: 2 consts, mul, add
  x.backward();
  g_chain_nodes = tape.size();
  g_chain_grad = x0.grad().item();
}
}  // namespace

TEST_CASE("a chain of a million op nodes runs forward and backward on a 256 KiB stack", "[tape]") {
  on_small_stack(&million_node_chain);
  CHECK(g_chain_nodes >= 2000000);  // 1,000,000 op nodes and their constants
  // d x / d x0 = 1.0000001 ^ 500000
  CHECK(g_chain_grad == Approx(std::pow(1.0000001, 500000)).epsilon(1e-9));
}

TEST_CASE("backward twice is an error unless the graph was retained", "[tape][errors]") {
  Tensor w = scalar(3.0, true);
  {
    Tape tape;
    Tensor y = w * w;
    y.backward();
    CHECK_THROWS_AS(y.backward(), TapeError);
    CHECK_THROWS_WITH(y.backward(), Contains("second time") && Contains("retain_graph"));
  }
  w.zero_grad();
  {
    Tape tape;
    Tensor y = w * w;
    y.backward(/*retain_graph=*/true);
    y.backward();
    CHECK(w.grad().item() == 12.0);  // 6 + 6: leaf gradients accumulate across passes
  }
}

TEST_CASE("parameters outlive tapes and accumulate over them", "[tape]") {
  Tensor w = tensor({1.0, 2.0}, {2}, true);
  for (int step = 0; step < 3; ++step) {
    Tape tape;
    sum(w * w).backward();
  }
  CHECK(w.grad().to_vector() == std::vector<double>{6.0, 12.0});
  w.zero_grad();
  CHECK_FALSE(w.has_grad());
  CHECK(w.grad().to_vector() == std::vector<double>{0.0, 0.0});
}

TEST_CASE("non-scalar backward needs an explicit gradient", "[tape][errors]") {
  Tape tape;
  Tensor x = ones({2, 3}, true);
  Tensor y = x * 2.0;
  CHECK_THROWS_AS(y.backward(), TapeError);
  CHECK_THROWS_WITH(y.backward(), Contains("[2, 3]") && Contains("explicit gradient"));
  CHECK_THROWS_WITH(y.backward(ones({3, 2})), Contains("[3, 2]") && Contains("[2, 3]"));
  y.backward(full({2, 3}, 0.5));
  CHECK(x.grad().to_vector() == std::vector<double>(6, 1.0));
}

TEST_CASE("grad() of a tensor that does not require grad is an error", "[tape][errors]") {
  Tensor c = tensor({1, 2, 3}, {3});
  CHECK_THROWS_AS(c.grad(), TapeError);
  CHECK_THROWS_WITH(c.grad(),
                    Contains("grad()") && Contains("[3]") && Contains("does not require grad"));
}

TEST_CASE("tensors of two live tapes do not mix", "[tape][errors]") {
  Tensor x = scalar(1.0, true);
  Tape outer;
  Tensor y = x * 2.0;
  Tape inner;
  CHECK_THROWS_AS(y * 3.0, TapeError);
  CHECK_THROWS_WITH(y * 3.0, Contains("mul") && Contains("another live tape"));
  // A leaf (parameter) may be used on any tape.
  Tensor z = x * 3.0;
  CHECK(z.tape_id() == inner.id());
}

TEST_CASE("a non-leaf cannot be used after its tape is gone, but its value can be",
          "[tape][errors]") {
  Tensor x = scalar(2.0, true);
  Tensor y;
  {
    Tape tape;
    y = x * 2.0;
  }
  CHECK(y.item() == 4.0);  // values stay readable
  Tape tape;
  CHECK_THROWS_AS(y + 1.0, TapeError);
  CHECK_THROWS_WITH(y + 1.0, Contains("add") && Contains("gone") && Contains("detach()"));
  CHECK_THROWS_WITH(y.backward(), Contains("gone"));
  Tensor ok = y.detach() + 1.0;  // as a constant it is fine
  CHECK(ok.item() == 5.0);
}

TEST_CASE("nothing is recorded outside a tape or under NoGradGuard", "[tape]") {
  Tensor x = scalar(2.0, true);
  Tensor outside = x * x;
  CHECK_FALSE(outside.requires_grad());
  CHECK(outside.tape_id() == 0);
  CHECK_THROWS_WITH(outside.backward(), Contains("not recorded on any tape"));

  Tape tape;
  Tensor y = x * x;
  const size_t before = tape.size();
  {
    NoGradGuard no_grad;
    Tensor z = y * 3.0;
    CHECK(z.item() == 12.0);
    CHECK_FALSE(z.requires_grad());
  }
  CHECK(tape.size() == before);
  Tensor w = y * 3.0;  // recording again after the guard
  CHECK(tape.size() == before + 2);
}

TEST_CASE("scopes tag nodes and nest with a slash", "[tape]") {
  Tape tape;
  Tensor x = scalar(1.0, true);
  Tensor a, b;
  {
    ScopeGuard lstm("lstm");
    a = x.tanh();
    {
      ScopeGuard step("t=3");
      CHECK(ScopeGuard::current() == "lstm/t=3");
      b = a.sigmoid();
    }
  }
  Tensor c = b * 2.0;
  CHECK(tape.scope_name(tape.node(a.node_index()).scope) == "lstm");
  CHECK(tape.scope_name(tape.node(b.node_index()).scope) == "lstm/t=3");
  CHECK(tape.scope_name(tape.node(c.node_index()).scope).empty());
  CHECK(ScopeGuard::current().empty());
}

TEST_CASE("the tape prints as a table", "[tape]") {
  Tape tape;
  Tensor x = scalar(2.0, true).set_name("x");
  Tensor y;
  {
    ScopeGuard s("layer");
    y = (x * x).tanh();
  }
  y.backward();
  const std::string text = tape.to_string();
  CHECK_THAT(text, Contains("index") && Contains("op") && Contains("scope") && Contains("grad"));
  CHECK_THAT(text, Contains("leaf x") && Contains("mul") && Contains("tanh") && Contains("layer"));
}

TEST_CASE("DetectAnomalyGuard names the op that made the first NaN or Inf", "[tape][errors]") {
  Tape tape;
  Tensor x = tensor({1.0, -1.0}, {2}, true);
  {
    DetectAnomalyGuard anomaly;
    ScopeGuard s("head");
    CHECK_THROWS_AS(log(x), AnomalyError);
    CHECK_THROWS_WITH(log(x), Contains("'log'") && Contains("tape index") && Contains("'head'"));
  }
  Tensor y = log(x);  // without the guard: NaN, silently, as in PyTorch
  CHECK(std::isnan(y.data()[1]));

  Tape tape2;
  Tensor z = scalar(0.0, true);
  Tensor r = sqrt(z);  // forward is fine (0); backward is 1 / (2 * 0) = inf
  DetectAnomalyGuard anomaly;
  CHECK_THROWS_WITH(r.backward(), Contains("backward rule of 'sqrt'") && Contains("tape index"));
}

TEST_CASE("DetectAnomalyGuard also checks leaves and constants as they enter a tape",
          "[tape][errors]") {
  const double nan = std::nan("");
  Tensor w = tensor({1.0, nan}, {2}, true);
  w.set_name("mlp.0.weight");
  Tensor batch = tensor({INFINITY, 0.0}, {2});
  DetectAnomalyGuard anomaly;
  {
    // The mul would produce NaN and be blamed; the leaf is reported first, where it enters.
    Tape tape;
    CHECK_THROWS_AS(w * 2.0, AnomalyError);
    CHECK_THROWS_WITH(w * 2.0,
                      Contains("parameter 'mlp.0.weight'") && Contains("[2]") && Contains("'mul'"));
  }
  {
    Tape tape;
    ScopeGuard s("data");
    // An op whose result is finite (min(inf, 1) = 1): only the check at entry sees the Inf.
    CHECK_THROWS_WITH(minimum(batch, Tensor(1.0)),
                      Contains("constant of shape [2]") && Contains("'data'"));
  }
  // Without the guard's check nothing changes: a finite leaf enters as before.
  Tape tape;
  Tensor ok = tensor({1.0, 2.0}, {2}, true);
  CHECK_NOTHROW(sum(ok * 2.0).backward());
}

TEST_CASE("destroying a tape frees every node it made", "[tape]") {
  Tensor w = scalar(0.5, true);
  std::weak_ptr<TensorImpl> intermediate;
  {
    Tape tape;
    Tensor h = (w * 2.0).tanh();
    intermediate = h.impl_ptr();
    (h * h).backward();
  }
  CHECK(intermediate.expired());
  CHECK(w.has_grad());  // the parameter keeps its gradient
}

TEST_CASE("edge gradient norms and local derivatives", "[tape]") {
  Tape tape;
  Tensor a = scalar(3.0, true), b = scalar(-2.0, true);
  Tensor c = a * b;
  tape.backward(c, BackwardOptions{.record_edge_grads = true});
  // dc/da = b = -2 flowed along edge 0 of c, dc/db = a = 3 along edge 1.
  CHECK(tape.edge_grad_norm(c.node_index(), 0) == 2.0);
  CHECK(tape.edge_grad_norm(c.node_index(), 1) == 3.0);
  auto local = tape.local_derivatives(c.node_index());
  REQUIRE(local.size() == 2);
  CHECK(local[0] == std::vector<double>{-2.0});
  CHECK(local[1] == std::vector<double>{3.0});
  CHECK(a.grad().item() == -2.0);  // unchanged by asking for local derivatives
}

TEST_CASE("keep_grads = false frees the gradients of op results but not of parameters", "[tape]") {
  Tensor w = tensor({0.5, -1.0}, {2}, true);
  Tensor kept_grad;
  {
    Tape tape;
    Tensor h = tanh(w * 3.0);
    Tensor loss = sum(h * h);
    tape.backward(loss, BackwardOptions{.keep_grads = true});
    kept_grad = w.grad();
    CHECK(h.has_grad());
  }
  w.zero_grad();
  Tape tape;
  Tensor h = tanh(w * 3.0);
  Tensor loss = sum(h * h);
  tape.backward(loss, BackwardOptions{.keep_grads = false});
  CHECK_FALSE(h.has_grad());  // freed once tanh's rule had used it
  CHECK_FALSE(loss.has_grad());
  CHECK(w.grad().to_vector() == kept_grad.to_vector());  // the parameter's is the same
}

TEST_CASE("an edge's recorded gradient is its own contribution, even beside a large one",
          "[tape]") {
  // w feeds two products: one sends it 1e20, the other 1e-20. Measured as "after minus before"
  // the small one would vanish in rounding; it must be recorded as 1e-20.
  Tensor w = scalar(1.0, true);
  Tape tape;
  Tensor big = w * 1e20;
  Tensor small = w * 1e-20;
  Tensor loss = big + small;
  tape.backward(loss, BackwardOptions{.record_edge_grads = true});
  CHECK(tape.edge_grad_norm(big.node_index(), 0) == 1e20);
  CHECK(tape.edge_grad_norm(small.node_index(), 0) == 1e-20);
  CHECK(w.grad().item() == 1e20 + 1e-20);
  CHECK(tape.edge_grads_recorded());
}

TEST_CASE("a tape reused for a second step says: one Tape per step", "[tape][errors]") {
  Tensor w = scalar(3.0, true);
  Tape tape;
  (w * w).backward();
  Tensor next_step = w * w;  // a new step recorded on the spent tape
  CHECK_THROWS_AS(next_step.backward(), TapeError);
  CHECK_THROWS_WITH(next_step.backward(),
                    Contains("one Tape per step") && !Contains("retain_graph"));
}

TEST_CASE("looking at a node past the end is an IndexError naming it", "[tape][errors]") {
  Tape tape;
  Tensor a = scalar(2.0, true);
  Tensor y = a * a;
  REQUIRE(tape.size() == 2);
  CHECK_THROWS_AS(tape.node(2), IndexError);
  CHECK_THROWS_WITH(tape.node(7), Contains("node(7)") && Contains("2 nodes"));
  CHECK_THROWS_AS(tape.local_derivatives(2), IndexError);
  CHECK_THROWS_WITH(tape.local_derivatives(9), Contains("local_derivatives(9)"));
  CHECK_THROWS_AS(tape.tensor(2), IndexError);
  CHECK_THROWS_AS(tape.inputs_of(2), IndexError);
  CHECK_THROWS_AS(tape.scope_name(5), IndexError);
  CHECK_THROWS_AS(tape.elementwise_derivatives(2), IndexError);
  CHECK(tape.local_derivatives(1)[0] == std::vector<double>{4.0});  // in range: still works
  // edge_grad_norm read nodes_[i] unchecked (an address past the array), and an input past the
  // node's own (k) read the next node's edges.
  Tensor z = y * 3.0;
  tape.backward(z, BackwardOptions{.record_edge_grads = true});
  CHECK_THROWS_WITH(tape.edge_grad_norm(1000000, 0), Contains("edge_grad_norm(1000000)"));
  // a * a at a = 2, under 3: both edges of one tensor get the sum of both, 2 * 3a (tape_inspect)
  CHECK(tape.edge_grad_norm(1, 1) == 12.0);
  CHECK(tape.edge_grad_norm(1, 2) == -1.0);  // mul has two inputs (this was z's first edge)
}

TEST_CASE("guards closed out of order leave no NUL character in the scope name", "[tape]") {
  // Guards kept on the heap can close oldest first. Each once restored its parent's length, and
  // a newer guard closing after an older one padded the name with '\0's, which cut short every
  // later message that quotes the scope (the version check's, the anomaly's).
  auto outer = std::make_unique<ScopeGuard>("outer");
  auto inner = std::make_unique<ScopeGuard>("inner");
  CHECK(ScopeGuard::current() == "outer/inner");
  outer.reset();  // the older first
  CHECK(ScopeGuard::current().empty());
  inner.reset();
  CHECK(ScopeGuard::current().empty());
  CHECK(ScopeGuard::current().find('\0') == std::string::npos);
}

TEST_CASE("scopes nested too deep are refused, and the stack stays usable", "[tape][errors]") {
  Tape tape;
  std::vector<std::unique_ptr<ScopeGuard>> guards;
  bool refused = false;
  try {
    for (int depth = 0; depth < 8000; ++depth) {
      guards.push_back(std::make_unique<ScopeGuard>("s"));
      Tensor x = scalar(1.0) + 1.0;  // an op in every scope: the tape keeps each full name
    }
  } catch (const ValueError& e) {
    refused = true;
    CHECK_THAT(e.what(), Contains("nested") && Contains("256"));
  }
  CHECK(refused);
  size_t names = 0;
  for (const std::string& s : tape.scopes()) names += s.size();
  CHECK(names < 200000);  // not the 64 MB of 8,000 levels
  while (!guards.empty()) guards.pop_back();
  CHECK(ScopeGuard::current().empty());
  ScopeGuard fine("after");
  CHECK(ScopeGuard::current() == "after");
}

TEST_CASE("a backward pass that throws leaves no trace: a retried pass gives the true gradient",
          "[tape][errors]") {
  // d/dw sum(sqrt(w * b) + 3 w) = b / (2 sqrt(w b)) + 3: inf at w = 0, 3.25 at w = 4 (b = 1).
  Tape tape;
  Tensor w = tensor({0.0, 4.0}, {2}, true);
  Tensor b = tensor({1.0, 1.0}, {2});
  Tensor root = sqrt(w * b);  // recorded before 3 w, so the pass adds 3 into dw, then throws
  Tensor linear = 3.0 * w;
  Tensor loss = sum(root + linear);
  {
    DetectAnomalyGuard anomaly;
    CHECK_THROWS_AS(loss.backward(/*retain_graph=*/true), AnomalyError);
  }
  CHECK_FALSE(w.has_grad());  // the "3" the pass had already added is gone again
  w.zero_grad();
  loss.backward(/*retain_graph=*/true);
  CHECK(std::isinf(w.grad_data()[0]));
  CHECK(w.grad_data()[1] == 3.25);
}

TEST_CASE("tapes may be destroyed in any order and on any thread", "[tape]") {
  // Oldest first, or from the middle: a freed tape never becomes the recording one again.
  auto a = std::make_unique<Tape>();
  auto b = std::make_unique<Tape>();
  auto c = std::make_unique<Tape>();
  b.reset();
  CHECK(Tape::current() == c.get());
  c.reset();
  CHECK(Tape::current() == a.get());
  auto d = std::make_unique<Tape>();
  a.reset();
  CHECK(Tape::current() == d.get());
  d.reset();
  CHECK(Tape::current() == nullptr);

  auto e = std::make_unique<Tape>();
  auto f = std::make_unique<Tape>();
  e.reset();
  f.reset();
  CHECK(Tape::current() == nullptr);
  Tensor x = scalar(2.0, true);
  Tensor y = x * x;  // recorded nowhere (no tape alive), not on a freed one
  CHECK(y.tape_id() == 0);

  // A tape made here and destroyed on another thread is no longer current here.
  auto g = std::make_unique<Tape>();
  std::thread([&g] { g.reset(); }).join();
  CHECK(Tape::current() == nullptr);
  {
    Tape h;
    Tensor z = x * 3.0;
    z.backward();
    CHECK(x.grad().item() == 3.0);
  }
}
