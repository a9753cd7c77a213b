// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_IMAP_STREAM_HPP
#define MULTIPROC_IMAP_STREAM_HPP

/// @file
/// `multiproc::imap_stream`: the results of a pool's `imap` or `imap_unordered`.

#include <multiproc/detail/config.hpp>

#include <multiproc/detail/pool_job.hpp>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace multiproc {

/// The results of `imap` (in order) or `imap_unordered` (as they finish): a stream read with
/// `next()` or a range-for. Items are sent as the stream is read, a bounded number of chunks
/// ahead, so a stream over any number of items runs in bounded memory (Python's imap reads its
/// whole input at once). A failed chunk throws from `next()` where its results would be; the
/// stream goes on after it. If the input throws (reading or encoding an item), or the pool
/// takes no more tasks (closed, terminated), the input ends there: `next()` gives the results
/// of every item before it (in order for imap, in any order for imap_unordered), then throws
/// that exception once, then gives nothing.
template <class R>
class imap_stream
{
public:
    /// The next result, or nothing at the end.
    std::optional<R> next()
    {
        for (;;) {
            if (taken_ < ready_.size())
                return std::optional<R>(std::move(ready_[taken_++]));
            ready_.clear();
            taken_ = 0;
            top_up();
            if (in_flight_ == 0) { // every result before the input's end is taken
                if (input_error_)
                    std::rethrow_exception(std::exchange(input_error_, nullptr));
                return std::nullopt;
            }
            std::unique_lock<std::mutex> lock(shared_->mutex);
            shared_->arrived.wait(lock, [&] {
                return ordered_ ? shared_->outcomes.count(next_chunk_) != 0
                                : !shared_->outcomes.empty();
            });
            auto it = ordered_ ? shared_->outcomes.find(next_chunk_) : shared_->outcomes.begin();
            detail::task_outcome outcome = std::move(it->second);
            const std::uint32_t count = counts_.at(it->first);
            counts_.erase(it->first);
            shared_->outcomes.erase(it);
            lock.unlock();
            ++next_chunk_;
            --in_flight_;
            if (outcome.ec)
                std::rethrow_exception(detail::outcome_error(outcome));
            detail::decode_results(outcome.results.view(), count, ready_);
        }
    }

    /// An input iterator over what `next()` gives.
    class iterator
    {
    public:
        /// The types of an input iterator over `R`.
        ///@{
        using iterator_category = std::input_iterator_tag;
        using value_type = R;
        using difference_type = std::ptrdiff_t;
        using pointer = const R*;
        using reference = const R&;
        ///@}

        /// The end.
        iterator() = default;
        /// At the first result of `stream`, which it reads.
        explicit iterator(imap_stream* stream) : stream_(stream) { ++*this; }
        /// The current result.
        ///@{
        const R& operator*() const { return *current_; }
        const R* operator->() const { return &*current_; }
        ///@}
        /// Reads the next result; at the end it equals `iterator()`.
        ///@{
        iterator& operator++()
        {
            current_ = stream_->next();
            if (!current_)
                stream_ = nullptr;
            return *this;
        }
        void operator++(int) { ++*this; }
        ///@}
        /// Two iterators are equal when both are at the end (or are the same iterator).
        ///@{
        bool operator==(const iterator& other) const { return stream_ == other.stream_; }
        bool operator!=(const iterator& other) const { return stream_ != other.stream_; }
        ///@}

    private:
        imap_stream* stream_ = nullptr;
        std::optional<R> current_;
    };
    /// Starts reading: an iterator at the next result.
    iterator begin() { return iterator(this); }
    /// The end of the stream.
    iterator end() { return iterator(); }

    /// @cond MULTIPROC_INTERNAL
    imap_stream(std::shared_ptr<detail::pool_backend> pool, const detail::task_entry& task,
                std::function<detail::encoded_chunk(std::exception_ptr&)> next_chunk,
                std::size_t window, bool ordered)
        : pool_(std::move(pool)), task_(&task), next_chunk_of_input_(std::move(next_chunk)),
          window_(window), ordered_(ordered), shared_(std::make_shared<detail::stream_state>())
    {}
    /// @endcond

private:
    // Sends chunks until `window_` are out or the input ends: at its end, or at the first
    // exception from reading it, encoding it or sending it (kept in `input_error_`).
    void top_up()
    {
        while (!input_done_ && in_flight_ < window_) {
            try {
                detail::encoded_chunk chunk = next_chunk_of_input_(input_error_);
                if (chunk.count == 0)
                    input_done_ = true;
                else
                    send(std::move(chunk));
            } catch (...) {
                if (!input_error_)
                    input_error_ = std::current_exception();
            }
            if (input_error_)
                input_done_ = true;
        }
    }

    void send(detail::encoded_chunk chunk)
    {
        const std::size_t number = sent_;
        counts_[number] = chunk.count;
        try {
            pool_->submit(pool_->reserve_ids(1), *task_, std::move(chunk),
                          [s = shared_, number](detail::task_outcome&& outcome) {
                              std::lock_guard<std::mutex> lock(s->mutex);
                              s->outcomes.emplace(number, std::move(outcome));
                              s->arrived.notify_all();
                          });
        } catch (...) { // not sent: no outcome will come
            counts_.erase(number);
            throw;
        }
        ++sent_;
        ++in_flight_;
    }

    std::shared_ptr<detail::pool_backend> pool_;
    const detail::task_entry* task_;
    std::function<detail::encoded_chunk(std::exception_ptr&)> next_chunk_of_input_;
    std::size_t window_;
    bool ordered_;
    std::shared_ptr<detail::stream_state> shared_;
    std::map<std::size_t, std::uint32_t> counts_; // of the chunks in flight
    std::vector<R> ready_;                        // decoded; taken from `taken_` on
    std::size_t taken_ = 0;
    std::size_t sent_ = 0;
    std::size_t next_chunk_ = 0;
    std::size_t in_flight_ = 0;
    bool input_done_ = false;
    std::exception_ptr input_error_; // what ended the input, thrown once all before it is taken
};

} // namespace multiproc

#endif
