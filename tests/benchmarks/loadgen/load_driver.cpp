#include "tests/benchmarks/loadgen/load_driver.hpp"

#include <unistd.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "tests/benchmarks/loadgen/common.hpp"

namespace rightmoment::loadgen {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// One call's words, in order. Six lines each fire one live rule of the default catalogue (`fires`);
// the rest fire nothing. Every rule fires at most once per call, so a call of 20 utterances raises
// a screen pop and six live prompts.
struct Line {
  bool agent;
  const char* text;
  bool fires = false;
};
constexpr Line kLines[] = {
    {false, "Hi, I am calling about the charge on my last bill."},
    {false, "Nobody turned up again yesterday. Honestly I'm sick and tired of taking days off for this.", true},  // frustration
    {true, "I'm sorry to hear that, let me pull up your account."},
    {false, "It was supposed to be fixed two weeks ago."},
    {true, "Well, the engineer did call; you should have kept your phone on.", true},  // agent-guardrail-blame
    {false, "My phone was on all day."},
    {true, "Let me check what happened with that visit."},
    {false, "I'm seriously looking at other broadband companies at this point.", true},  // churn-intent
    {true, "I understand, let me see what I can do for you today."},
    {false, "Okay, thank you."},
    {true, "I can see the appointment was missed on our side."},
    {false, "We finally got the keys to our new house last week, so I need the broadband moved over.", true},  // life-event
    {true, "Congratulations on the new place! I can move it for Thursday."},
    {false, "Thursday works, but if this goes wrong again I'm going to post about it all over social media.", true},  // public-feedback-threat
    {true, "Understood, I will make sure the engineer has the right address."},
    {false, "Fine."},
    {true, "Before we go on, that post you wrote about us is defamatory and our legal team has seen it.", true},  // agent-guardrail-legal
    {false, "What? I haven't posted anything."},
    {true, "Sorry, you are right. You are booked for Thursday at 8am."},
    {false, "Okay, thanks for sorting it out."},
};
constexpr std::size_t kLineCount = sizeof kLines / sizeof kLines[0];

void append_rfc3339_now(std::string& out) {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  out += buf;
}


}  // namespace

struct LoadDriver::Impl {
  struct Slot;
  // One socket's WebSocket and read buffer; a reconnect makes a new one, while the handlers of the
  // old one (holding it) finish.
  struct Link {
    explicit Link(asio::io_context& io) : ws(io) {}
    websocket::stream<tcp::socket> ws;
    beast::flat_buffer rbuf;
  };
  using Message = std::shared_ptr<const std::string>;
  struct Conn {
    explicit Conn(asio::io_context& io) : link(std::make_shared<Link>(io)) {}
    std::size_t index = 0;
    std::shared_ptr<Link> link;
    std::uint64_t epoch = 0;  // one per socket: handlers of an earlier one do nothing
    std::deque<Message> queue;
    bool writing = false, synced = false, broken = false, reconnecting = false;
    std::vector<Slot*> slots;
    std::size_t next_slot = 0;
  };
  struct Slot {
    explicit Slot(asio::io_context& io) : timer(io) {}
    std::size_t index = 0;
    Conn* conn = nullptr;
    asio::steady_timer timer;
    Clock::time_point next;
    std::uint64_t call = 0;
    std::size_t step = 0;
    bool open = false;
    std::string interaction_id;
    std::deque<std::string> recent;  // the last events sent, resent after a reconnect
  };

  explicit Impl(DriverOptions options) : o(std::move(options)), rng(o.seed) {
    if (o.connections == 0 || o.connections > o.interactions) o.connections = o.interactions;
    run_tag = std::to_string(static_cast<unsigned long long>(now_ns() / 1'000'000 % 100'000'000));
  }

  DriverOptions o;
  asio::io_context io{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  std::vector<std::unique_ptr<Conn>> conns;
  std::vector<std::unique_ptr<Slot>> slots;
  std::mt19937_64 rng;
  std::string run_tag;
  bool generating = false;
  std::atomic<bool> stopping{false};

  std::atomic<std::uint64_t> events_sent{0}, calls_started{0}, error_replies{0}, connection_errors{0}, reconnects{0},
      events_resent{0};
  tcp::resolver::results_type endpoints;
  std::optional<asio::steady_timer> churn_timer;
  mutable std::mutex error_mutex;
  std::string first_error;
  std::atomic<double> final_cpu{0};
  std::atomic<bool> thread_done{false};
  std::atomic<int> tid{0};

  std::size_t pending = 0;  // connects, syncs or closes outstanding (io thread only)
  std::optional<std::promise<void>> phase_done;

  void note_error(const std::string& what) {
    std::lock_guard lock(error_mutex);
    if (first_error.empty()) first_error = what;
  }

  void finish_one() {
    if (pending > 0 && --pending == 0 && phase_done) {
      phase_done->set_value();
      phase_done.reset();
    }
  }

  void conn_failed(Conn& c, const beast::error_code& ec, const char* where) {
    if (c.broken) return;
    c.broken = true;
    ++connection_errors;
    note_error(std::string(where) + ": " + ec.message());
    finish_one();  // a broken connection will neither connect, sync nor close: do not wait for it
  }

  // ---- events
  // Whether the event at this step of a call raises a prompt in the default catalogue: agent.joined
  // (the screen pop) and the six marked utterances.
  bool raises_prompt(std::size_t step) const {
    const std::size_t u = o.utterances_per_call, hold_at = u / 2;
    if (step == 1) return true;
    if (step < 2 || step == 2 + hold_at || step == 3 + hold_at || step >= 4 + u) return false;
    return kLines[(step - 2 - (step > 3 + hold_at ? 2 : 0)) % kLineCount].fires;
  }
  std::string next_event(Slot& s) {
    const std::size_t u = o.utterances_per_call, hold_at = u / 2;
    if (s.step == 0) {
      s.open = true;
      ++s.call;
      ++calls_started;
      s.interaction_id = "lg" + run_tag + "-" + std::to_string(s.index) + "-" + std::to_string(s.call);
    }
    std::string e;
    e.reserve(320);
    e += "{\"event_id\":\"e";
    e += std::to_string(s.step);
    if (raises_prompt(s.step)) e += 'p';  // echoed by the outside view's sink (event_id_raises_prompt)
    e += 't';
    e += std::to_string(now_ns());
    e += "\",\"interaction_id\":\"";
    e += s.interaction_id;
    e += "\",\"ts\":\"";
    append_rfc3339_now(e);
    e += "\",";
    const std::size_t step = s.step++;
    if (step == 0) {
      e += "\"type\":\"interaction.started\",\"channel\":\"voice\",\"direction\":\"inbound\",\"queue\":\"billing\",";
      char phone[48];
      if (o.customers > 0) {
        std::uint64_t k = 1 + rng() % o.customers;  // the phone format of the synthetic store (history_lookup_bench)
        std::snprintf(phone, sizeof phone, "+1 415 %llu %llu", static_cast<unsigned long long>(200 + (k / 10000) % 800),
                      static_cast<unsigned long long>(k % 10000));
      } else {
        std::snprintf(phone, sizeof phone, "+1 555 %03zu %04zu", s.index / 10000 % 1000, s.index % 10000);
      }
      e += "\"customer\":{\"phone\":\"";
      e += phone;
      e += "\"}}";
    } else if (step == 1) {
      e += "\"type\":\"agent.joined\",\"agent_id\":\"agent-";
      e += std::to_string(s.index);
      e += "\",\"agent_name\":\"Sam\"}";
    } else if (step == 2 + hold_at) {
      e += "\"type\":\"hold.started\"}";
    } else if (step == 3 + hold_at) {
      e += "\"type\":\"hold.ended\"}";
    } else if (step < 4 + u) {
      std::size_t k = step - 2 - (step > 3 + hold_at ? 2 : 0);
      const Line& line = kLines[k % kLineCount];
      e += "\"type\":\"utterance\",\"speaker\":\"";
      e += line.agent ? "agent" : "customer";
      e += "\",\"text\":\"";
      e += line.text;
      e += "\"}";
    } else {
      e += "\"type\":\"interaction.ended\",\"reason\":\"agent_hangup\"}";
      s.step = 0;
      s.open = false;
    }
    ++events_sent;
    return e;
  }

  // ---- writes: one in flight per connection
  void send(Conn& c, std::string msg) {
    if (c.broken) return;
    c.queue.push_back(std::make_shared<const std::string>(std::move(msg)));
    if (!c.writing && !c.reconnecting) do_write(c);
  }
  // The slot's next event; remembered for a resend (while its connection reconnects, only there).
  void send_event(Slot& s) {
    std::string e = next_event(s);
    if (o.churn_per_s > 0) {
      s.recent.push_back(e);
      if (s.recent.size() > o.resend_last) s.recent.pop_front();
      if (s.conn->reconnecting) return;
    }
    send(*s.conn, std::move(e));
  }
  void do_write(Conn& c) {
    c.writing = true;
    auto link = c.link;
    Message m = c.queue.front();
    link->ws.async_write(asio::buffer(*m), [this, &c, link, m, epoch = c.epoch](beast::error_code ec, std::size_t) {
      if (epoch != c.epoch) return;  // written (or not) on a socket that churn closed
      c.writing = false;
      if (ec) return conn_failed(c, ec, "write");
      c.queue.pop_front();
      if (!c.queue.empty()) return do_write(c);
      if (generating && o.rate <= 0) pump(c);
    });
  }
  // As fast as possible: the next event of this connection's interactions, round robin.
  void pump(Conn& c) { send_event(*c.slots[c.next_slot++ % c.slots.size()]); }
  void arm(Slot& s) {
    s.timer.expires_at(s.next);
    s.timer.async_wait([this, &s](beast::error_code ec) {
      if (ec || !generating) return;
      send_event(s);
      s.next += std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / o.rate));
      arm(s);
    });
  }

  // ---- churn: a connection drops (the socket just closes, as on a network cut), reconnects and
  // resends each of its interactions' last events, then goes on; what was generated meanwhile is
  // among them.
  void churn(Conn& c) {
    if (c.broken || c.reconnecting || !generating) return;
    ++c.epoch;
    c.reconnecting = true;
    c.writing = false;
    beast::error_code ignored;
    c.link->ws.next_layer().close(ignored);
    c.link = std::make_shared<Link>(io);
    c.queue.clear();  // what was not written yet is among the resent events
    auto link = c.link;
    asio::async_connect(link->ws.next_layer(), endpoints, [this, &c, link, epoch = c.epoch](beast::error_code ec, const tcp::endpoint&) {
      if (epoch != c.epoch) return;
      if (ec) return conn_failed(c, ec, "reconnect");
      link->ws.next_layer().set_option(tcp::no_delay(true));
      link->ws.async_handshake(o.host + ":" + o.port, o.target, [this, &c, link, epoch](beast::error_code hec) {
        if (epoch != c.epoch) return;
        if (hec) return conn_failed(c, hec, "reconnect handshake");
        link->ws.text(true);
        c.reconnecting = false;
        ++reconnects;
        do_read(c);
        std::deque<Message> waiting = std::move(c.queue);  // a drain barrier asked for meanwhile goes last
        c.queue.clear();
        for (Slot* s : c.slots)
          for (const auto& e : s->recent) {
            c.queue.push_back(std::make_shared<const std::string>(e));
            ++events_resent;
          }
        for (auto& m : waiting) c.queue.push_back(std::move(m));
        if (!c.queue.empty()) do_write(c);
      });
    });
  }
  void arm_churn() {
    churn_timer->expires_after(std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / o.churn_per_s)));
    churn_timer->async_wait([this](beast::error_code ec) {
      if (ec || !generating) return;
      churn(*conns[rng() % conns.size()]);
      arm_churn();
    });
  }

  // ---- reads: replies (errors, control.synced)
  void do_read(Conn& c) {
    auto link = c.link;
    link->ws.async_read(link->rbuf, [this, &c, link, epoch = c.epoch](beast::error_code ec, std::size_t) {
      if (epoch != c.epoch) return;
      if (ec) {
        if (!stopping) conn_failed(c, ec, "read");
        return;
      }
      beast::flat_buffer& rbuf = link->rbuf;
      std::string_view m(static_cast<const char*>(rbuf.data().data()), rbuf.size());
      if (m.find("control.synced") != std::string_view::npos) {
        if (!c.synced) {
          c.synced = true;
          finish_one();
        }
      } else if (m.find("\"error\"") != std::string_view::npos) {
        ++error_replies;
        note_error("error reply: " + std::string(m.substr(0, 300)));
      }
      rbuf.consume(rbuf.size());
      do_read(c);
    });
  }

  bool wait_phase(std::future<void>& f, double timeout_s) {
    return f.wait_for(std::chrono::duration<double>(timeout_s)) == std::future_status::ready;
  }
  // Runs fn on the io thread with `count` completions to wait for.
  template <typename Fn>
  std::future<void> begin_phase(std::size_t count, Fn fn) {
    std::promise<void> p;
    auto f = p.get_future();
    asio::post(io, [this, count, fn, p = std::move(p)]() mutable {
      pending = count;
      phase_done.emplace(std::move(p));
      if (count == 0) {
        phase_done->set_value();
        phase_done.reset();
      }
      fn();
    });
    return f;
  }
};

LoadDriver::LoadDriver(DriverOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  auto& d = *impl_;
  for (std::size_t i = 0; i < d.o.connections; ++i) {
    d.conns.push_back(std::make_unique<Impl::Conn>(d.io));
    d.conns.back()->index = i;
  }
  for (std::size_t i = 0; i < d.o.interactions; ++i) {
    d.slots.push_back(std::make_unique<Impl::Slot>(d.io));
    auto& s = *d.slots.back();
    s.index = i;
    s.conn = d.conns[i % d.conns.size()].get();
    s.conn->slots.push_back(&s);
  }
  d.work.emplace(d.io.get_executor());
  d.thread = std::thread([&d] {
    d.tid = static_cast<int>(::gettid());
    d.io.run();
    d.final_cpu = thread_cpu_seconds(pthread_self());
    d.thread_done = true;
  });
}

LoadDriver::~LoadDriver() {
  auto& d = *impl_;
  d.work.reset();
  d.io.stop();
  if (d.thread.joinable()) d.thread.join();
}

bool LoadDriver::connect(double timeout_s, std::string& error) {
  auto& d = *impl_;
  tcp::resolver resolver(d.io);
  beast::error_code resolve_ec;
  d.endpoints = resolver.resolve(d.o.host, d.o.port, resolve_ec);
  if (resolve_ec) {
    error = "resolve " + d.o.host + ":" + d.o.port + ": " + resolve_ec.message();
    return false;
  }
  auto f = d.begin_phase(d.conns.size(), [&d] {
    for (auto& cp : d.conns) {
      auto& c = *cp;
      auto link = c.link;
      asio::async_connect(link->ws.next_layer(), d.endpoints, [&d, &c, link](beast::error_code ec, const tcp::endpoint&) {
        if (ec) return d.conn_failed(c, ec, "connect");
        link->ws.next_layer().set_option(tcp::no_delay(true));
        link->ws.async_handshake(d.o.host + ":" + d.o.port, d.o.target, [&d, &c, link](beast::error_code hec) {
          if (hec) return d.conn_failed(c, hec, "handshake");
          link->ws.text(true);
          d.do_read(c);
          d.finish_one();
        });
      });
    }
  });
  if (!d.wait_phase(f, timeout_s)) {
    error = "connections not open within " + std::to_string(timeout_s) + " s";
    return false;
  }
  if (d.connection_errors > 0) {
    std::lock_guard lock(d.error_mutex);
    error = std::to_string(d.connection_errors.load()) + " connections failed; first: " + d.first_error;
    return false;
  }
  return true;
}

void LoadDriver::start() {
  auto& d = *impl_;
  asio::post(d.io, [&d] {
    d.generating = true;
    if (d.o.churn_per_s > 0) {
      d.churn_timer.emplace(d.io);
      d.arm_churn();
    }
    if (d.o.rate <= 0) {
      for (auto& c : d.conns) d.pump(*c);
      return;
    }
    // Spread the first calls' starts evenly over the ramp, so that calls are in every phase of their
    // script as in a contact centre, and give each interaction a random phase within the period: an
    // even spacing that divides the period would put whole groups of interactions in lockstep and
    // send their events in bursts (a ramp of 25 periods over N interactions leaves N/25 phases).
    const auto period = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / d.o.rate));
    const auto ramp = std::chrono::nanoseconds(static_cast<std::int64_t>(d.o.ramp_s * 1e9));
    std::uniform_int_distribution<std::int64_t> phase(0, period.count() - 1);
    const auto now = Clock::now();
    for (auto& s : d.slots) {
      s->next = now + ramp * static_cast<std::int64_t>(s->index) / static_cast<std::int64_t>(d.slots.size()) +
                std::chrono::nanoseconds(phase(d.rng));
      d.arm(*s);
    }
  });
}

bool LoadDriver::stop_and_sync(double timeout_s, std::string& error) {
  auto& d = *impl_;
  auto f = d.begin_phase(d.conns.size(), [&d] {
    d.generating = false;
    if (d.churn_timer) d.churn_timer->cancel();
    for (auto& c : d.conns)
      if (c->broken) d.finish_one();  // it will never answer
    for (auto& s : d.slots) {
      s->timer.cancel();
      if (s->open) {  // end the call: skip to its last event
        s->step = 4 + d.o.utterances_per_call;
        d.send_event(*s);
      }
    }
    for (auto& c : d.conns)
      d.send(*c, "{\"type\":\"control.sync\",\"sync_id\":\"s" + std::to_string(c->index) + "\"}");
  });
  bool ok = d.wait_phase(f, timeout_s);
  if (!ok) {
    error = "control.synced not received on every connection within " + std::to_string(timeout_s) + " s";
    d.stopping = true;  // writes may still be in flight: no close handshake, the sockets just go
    d.work.reset();
    d.io.stop();
    if (d.thread.joinable()) d.thread.join();
    return false;
  }
  // Close every connection normally.
  auto closed = d.begin_phase(d.conns.size(), [&d] {
    d.stopping = true;
    for (auto& cp : d.conns) {
      auto& c = *cp;
      if (c.broken) {
        d.finish_one();
        continue;
      }
      c.link->ws.async_close(websocket::close_code::normal, [&d, link = c.link](beast::error_code) { d.finish_one(); });
    }
  });
  d.wait_phase(closed, 5.0);
  if (ok && d.connection_errors > 0) {
    std::lock_guard lock(d.error_mutex);
    error = std::to_string(d.connection_errors.load()) + " connections failed; first: " + d.first_error;
    ok = false;
  }
  d.work.reset();
  d.io.stop();
  if (d.thread.joinable()) d.thread.join();
  return ok;
}

DriverCounters LoadDriver::counters() const {
  auto& d = *impl_;
  DriverCounters c;
  c.events_sent = d.events_sent;
  c.calls_started = d.calls_started;
  c.error_replies = d.error_replies;
  c.connection_errors = d.connection_errors;
  c.reconnects = d.reconnects;
  c.events_resent = d.events_resent;
  c.thread_id = d.tid;
  {
    std::lock_guard lock(d.error_mutex);
    c.first_error = d.first_error;
  }
  c.thread_cpu_s = d.thread_done ? d.final_cpu.load()
                                 : (d.thread.joinable() ? thread_cpu_seconds(d.thread.native_handle()) : 0.0);
  return c;
}

}  // namespace rightmoment::loadgen
