// Decoding in helper processes. libvips, libpng, libwebp and libheif parse bytes a stranger sent;
// a crash, an abort or a frame that never ends inside them must cost one upload a 422, not the
// server. The server keeps a few helpers (copies of its own binary, started with one argument);
// each takes one job at a time over a socket pair, under rlimits, a CPU-time timer and a seccomp
// filter that refuses the network and new programs. The server treats what comes back as
// untrusted too: sizes are checked before anything is allocated.
#define _GNU_SOURCE
#include "CVips.h"
#include "pixels.h"
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>

#define CHANNEL_FD 3
#define MAGIC 0x44534831u               // "DSH1"
#define MAX_REQUEST ((uint64_t)256 << 20)  // the server's own limit is far lower; this bounds the helper's allocation
#define MAX_DISPLAY ((uint64_t)64 << 20)
#define MAX_THUMBNAIL ((uint64_t)8 << 20)

typedef struct {
    uint32_t magic;
    int32_t format, display_max, thumbnail_max, quality, budget_ms;
    int64_t max_pixels;
    uint64_t length;
} request;

typedef struct {
    uint32_t magic;
    int32_t status;
    dsv_header header;
    int32_t display_width, display_height, thumbnail_width, thumbnail_height;
    uint64_t display_length, thumbnail_length;
    double mean_brightness, sharpness;
    uint64_t dhash;
} response;

static int64_t now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

// MARK: - The server's side

// Moves exactly `length` bytes before `deadline` (monotonic ms), or fails.
static int transfer(int fd, void *buffer, size_t length, int sending, int64_t deadline) {
    size_t done = 0;
    while (done < length) {
        ssize_t n = sending ? send(fd, (char *)buffer + done, length - done, MSG_NOSIGNAL)
                            : recv(fd, (char *)buffer + done, length - done, 0);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n == 0) return -1;  // the helper closed its end: gone
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
        int64_t left = deadline - now_ms();
        if (left <= 0) return -1;
        struct pollfd wait = {fd, sending ? POLLOUT : POLLIN, 0};
        if (poll(&wait, 1, left > INT_MAX ? INT_MAX : (int)left) < 0 && errno != EINTR) return -1;
    }
    return 0;
}

int dsv_helper_start(const char *const *argv, dsv_helper *helper, char *err, size_t err_length) {
    memset(helper, 0, sizeof(*helper));
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair)) {
        snprintf(err, err_length, "socketpair: %s", strerror(errno));
        return -1;
    }
    // The child's end is moved above 3 first: dup2 onto the same number would keep close-on-exec.
    int child = fcntl(pair[1], F_DUPFD_CLOEXEC, 10);
    close(pair[1]);
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, child, CHANNEL_FD);
    // Nothing else of the server's (database files, listening sockets, other helpers' sockets).
    posix_spawn_file_actions_addclosefrom_np(&actions, CHANNEL_FD + 1);
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    char library_path[PATH_MAX + 32] = "";
    const char *libraries = getenv("LD_LIBRARY_PATH");
    if (libraries && strlen(libraries) < PATH_MAX) snprintf(library_path, sizeof(library_path), "LD_LIBRARY_PATH=%s", libraries);
    // Two malloc arenas: the helper runs one job at a time, and each arena reserves address space.
    // No Swift crash backtracer: it would start a program, which the helper may not.
    char *environment[] = {"MALLOC_ARENA_MAX=2", "SWIFT_BACKTRACE=enable=no", library_path[0] ? library_path : NULL, NULL};
    pid_t pid = 0;
    int rc = child < 0 ? errno : posix_spawn(&pid, argv[0], &actions, &attributes, (char *const *)argv, environment);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (child >= 0) close(child);
    if (rc) {
        snprintf(err, err_length, "starting the decoder helper %s: %s", argv[0], strerror(rc));
        close(pair[0]);
        return -1;
    }
    fcntl(pair[0], F_SETFL, fcntl(pair[0], F_GETFL) | O_NONBLOCK);
    // The helper says it is ready once libvips has started and its sandbox holds; a helper that
    // cannot (no seccomp here, libvips missing) is an error now, at start, not a 422 per upload.
    uint32_t ready = 0;
    if (transfer(pair[0], &ready, sizeof(ready), 0, now_ms() + 15000) || ready != MAGIC) {
        int status = 0;
        kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        close(pair[0]);
        const char *why = WIFEXITED(status) && WEXITSTATUS(status) == 70 ? " (libvips did not start)"
                        : WIFEXITED(status) && WEXITSTATUS(status) == 71 ? " (its sandbox could not be set up: seccomp)" : "";
        if (WIFEXITED(status)) snprintf(err, err_length, "the decoder helper %s exited with status %d%s", argv[0], WEXITSTATUS(status), why);
        else snprintf(err, err_length, "the decoder helper %s did not start (signal %d)", argv[0], WTERMSIG(status));
        return -1;
    }
    helper->pid = pid;
    helper->fd = pair[0];
    return 0;
}

void dsv_helper_stop(dsv_helper *helper) {
    if (helper->pid > 0) {
        kill(helper->pid, SIGKILL);
        while (waitpid(helper->pid, NULL, 0) < 0 && errno == EINTR) {}
    }
    if (helper->fd >= 0) close(helper->fd);
    helper->pid = 0;
    helper->fd = -1;
}

int dsv_helper_exited(dsv_helper *helper) {
    if (helper->pid <= 0) return 1;
    if (waitpid(helper->pid, NULL, WNOHANG) != helper->pid) return 0;
    helper->pid = 0;
    dsv_helper_stop(helper);
    return 1;
}

static dsv_job_result lost(dsv_helper *helper, dsv_output *output, int *wait_status) {
    if (output->display) g_free(output->display);
    if (output->thumbnail) g_free(output->thumbnail);
    memset(output, 0, sizeof(*output));
    *wait_status = 0;
    if (helper->pid > 0) {
        // Already dead (a crash, its CPU timer) or stuck: either way it is killed and reaped here,
        // and the status says which.
        if (waitpid(helper->pid, wait_status, WNOHANG) != helper->pid) {
            kill(helper->pid, SIGKILL);
            while (waitpid(helper->pid, wait_status, 0) < 0 && errno == EINTR) {}
        }
        helper->pid = 0;
    }
    dsv_helper_stop(helper);
    return DSV_JOB_HELPER_LOST;
}

dsv_job_result dsv_helper_run(dsv_helper *helper, const dsv_job *job, const void *data, size_t length, int timeout_ms,
                              dsv_header *header, dsv_output *output, int *wait_status) {
    memset(output, 0, sizeof(*output));
    memset(header, 0, sizeof(*header));
    *wait_status = 0;
    int64_t deadline = now_ms() + timeout_ms;
    request ask = {MAGIC, (int32_t)job->format, job->display_max, job->thumbnail_max, job->quality, job->budget_ms,
                   job->max_pixels, (uint64_t)length};
    response answer;
    helper->jobs++;
    if (transfer(helper->fd, &ask, sizeof(ask), 1, deadline) || transfer(helper->fd, (void *)data, length, 1, deadline) ||
        transfer(helper->fd, &answer, sizeof(answer), 0, deadline) || answer.magic != MAGIC) {
        return lost(helper, output, wait_status);
    }
    if (answer.status == DSV_JOB_UNDECODABLE || answer.status == DSV_JOB_TOO_MANY_PIXELS) return (dsv_job_result)answer.status;
    // A helper is as untrusted as its input: nothing it says is used before it is checked.
    if (answer.status != DSV_JOB_DONE || answer.display_length == 0 || answer.display_length > MAX_DISPLAY ||
        answer.thumbnail_length == 0 || answer.thumbnail_length > MAX_THUMBNAIL ||
        answer.display_width < 1 || answer.display_width > job->display_max || answer.display_height < 1 ||
        answer.display_height > job->display_max || answer.thumbnail_width < 1 || answer.thumbnail_width > job->thumbnail_max ||
        answer.thumbnail_height < 1 || answer.thumbnail_height > job->thumbnail_max) {
        return lost(helper, output, wait_status);
    }
    output->display = g_malloc(answer.display_length);
    output->thumbnail = g_malloc(answer.thumbnail_length);
    if (transfer(helper->fd, output->display, answer.display_length, 0, deadline) ||
        transfer(helper->fd, output->thumbnail, answer.thumbnail_length, 0, deadline)) {
        return lost(helper, output, wait_status);
    }
    *header = answer.header;
    header->capture_time[sizeof(header->capture_time) - 1] = 0;
    output->display_length = answer.display_length;
    output->thumbnail_length = answer.thumbnail_length;
    output->display_width = answer.display_width;
    output->display_height = answer.display_height;
    output->thumbnail_width = answer.thumbnail_width;
    output->thumbnail_height = answer.thumbnail_height;
    output->mean_brightness = answer.mean_brightness;
    output->sharpness = answer.sharpness;
    output->dhash = answer.dhash;
    return DSV_JOB_DONE;
}

// MARK: - The helper's side

#if defined(__x86_64__)
#define AUDIT_ARCH_HERE AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AUDIT_ARCH_HERE AUDIT_ARCH_AARCH64
#endif

#define REFUSE(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM)

// Decoding needs memory, threads and the socket it was given; nothing else a program can ask of
// the kernel is worth leaving to a decoder an attacker may have taken over.
static int refuse_escapes(void) {
#ifdef AUDIT_ARCH_HERE
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_HERE, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#if defined(__x86_64__)
        // x32 system calls reach the same kernel code under other numbers.
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        REFUSE(__NR_fork),
        REFUSE(__NR_vfork),
#endif
        REFUSE(__NR_socket), REFUSE(__NR_socketpair), REFUSE(__NR_connect), REFUSE(__NR_bind), REFUSE(__NR_listen),
        REFUSE(__NR_accept), REFUSE(__NR_accept4), REFUSE(__NR_execve), REFUSE(__NR_execveat), REFUSE(__NR_ptrace),
        REFUSE(__NR_process_vm_writev), REFUSE(__NR_io_uring_setup),
        // clone3's flags sit behind a pointer a filter cannot read: refused as unknown, and glibc
        // falls back to clone, whose flags it can.
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        // clone: threads only, never a new process.
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog program = {(unsigned short)(sizeof(filter) / sizeof(filter[0])), filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) return -1;
    if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program)) return -1;
    // Checked, not assumed: a helper whose filter did not take refuses to serve.
    if (socket(AF_INET, SOCK_STREAM, 0) >= 0 || errno != EPERM) return -1;
    return 0;
#else
    return -1;  // no filter written for this architecture: refuse to decode rather than run unconfined
#endif
}

static void limit(int resource, rlim_t value) {
    struct rlimit bound = {value, value};
    setrlimit(resource, &bound);
}

static int receive(void *buffer, size_t length) {
    size_t done = 0;
    while (done < length) {
        ssize_t n = read(CHANNEL_FD, (char *)buffer + done, length - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        done += (size_t)n;
    }
    return 0;
}

static int answer_with(const void *buffer, size_t length) {
    size_t done = 0;
    while (done < length) {
        ssize_t n = send(CHANNEL_FD, (const char *)buffer + done, length - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        done += (size_t)n;
    }
    return 0;
}

static void arm(timer_t timer, int64_t ms) {
    struct itimerspec when = {{0, 0}, {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000}};
    timer_settime(timer, 0, &when, NULL);
}

_Noreturn void dsv_helper_serve(int memory_mb) {
    // No PR_SET_PDEATHSIG: it follows the thread that started the helper, not the server, and
    // threads come and go. When the server ends, its end of the socket closes and the helper,
    // reading for its next job (or writing its answer), ends too.
    char message[256];
    if (dsv_init(message, sizeof(message))) _exit(70);
    ds_budget_in_cpu_time();
    // The job's CPU budget, for what no progress report interrupts (a HEIF or WebP frame is
    // decoded in one call): past it SIGXCPU ends the helper, and the server answers 422.
    timer_t cpu_timer;
    struct sigevent on_expiry = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGXCPU};
    if (timer_create(CLOCK_PROCESS_CPUTIME_ID, &on_expiry, &cpu_timer)) _exit(70);
    limit(RLIMIT_CORE, 0);
    limit(RLIMIT_FSIZE, 0);
    limit(RLIMIT_NOFILE, 16);
    if (memory_mb > 0) limit(RLIMIT_AS, (rlim_t)memory_mb << 20);
    if (refuse_escapes()) _exit(71);
    uint32_t ready = MAGIC;
    if (answer_with(&ready, sizeof(ready))) _exit(0);

    for (;;) {
        request ask;
        if (receive(&ask, sizeof(ask))) _exit(0);  // the server closed the socket: done
        if (ask.magic != MAGIC || ask.length == 0 || ask.length > MAX_REQUEST || ask.budget_ms <= 0) _exit(72);
        void *data = malloc(ask.length);
        if (!data || receive(data, ask.length)) _exit(73);
        // A little over the budget: the graceful checks (row by row, progress reports) stop a job
        // first where they can, and the timer only ends what they cannot reach.
        arm(cpu_timer, (int64_t)ask.budget_ms + ask.budget_ms / 4 + 100);
        response answer = {.magic = MAGIC, .status = DSV_JOB_UNDECODABLE};
        dsv_output output;
        memset(&output, 0, sizeof(output));
        dsv_header *header = &answer.header;
        if (dsv_read_header((dsv_format)ask.format, data, ask.length, header, message, sizeof(message)) == 0 &&
            header->width > 0 && header->height > 0) {
            if ((int64_t)header->width * header->height > ask.max_pixels) {
                answer.status = DSV_JOB_TOO_MANY_PIXELS;
            } else if (dsv_process((dsv_format)ask.format, data, ask.length, header->width, header->height, header->orientation,
                                   ask.display_max, ask.thumbnail_max, ask.quality, ask.budget_ms, &output, message, sizeof(message)) == 0) {
                answer.status = DSV_JOB_DONE;
                answer.display_width = output.display_width;
                answer.display_height = output.display_height;
                answer.thumbnail_width = output.thumbnail_width;
                answer.thumbnail_height = output.thumbnail_height;
                answer.display_length = output.display_length;
                answer.thumbnail_length = output.thumbnail_length;
                answer.mean_brightness = output.mean_brightness;
                answer.sharpness = output.sharpness;
                answer.dhash = output.dhash;
            }
        }
        arm(cpu_timer, 0);
        free(data);
        int failed = answer_with(&answer, sizeof(answer)) ||
                     (answer.status == DSV_JOB_DONE && (answer_with(output.display, output.display_length) ||
                                                        answer_with(output.thumbnail, output.thumbnail_length)));
        dsv_free(output.display);
        dsv_free(output.thumbnail);
        if (failed) _exit(0);
    }
}
