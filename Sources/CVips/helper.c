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
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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
#define IMAGE_FD 4  // a memfd: the upload's bytes, written by the server, mapped by the helper
#define MAGIC 0x44534833u               // "DSH3": the answer carries the people redacted
#define MAX_REQUEST ((uint64_t)256 << 20)  // the server's own limit is far lower; this bounds the helper's allocation
#define MAX_DISPLAY ((uint64_t)64 << 20)
#define MAX_THUMBNAIL ((uint64_t)8 << 20)

typedef struct {
    uint32_t magic;
    int32_t format, display_max, thumbnail_max, quality, detect_max, budget_ms;
    int32_t reserved;  // zero: no padding byte of the server's stack goes to a helper
    int64_t max_pixels;
    uint64_t length;
} request;

typedef struct {
    uint32_t magic;
    int32_t status;
    dsv_header header;
    int32_t display_width, display_height, thumbnail_width, thumbnail_height;
    uint64_t display_length, thumbnail_length;
    dsv_signals signals;
    uint64_t dhash;
    int32_t faces, people;
} response;

static int64_t now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

// MARK: - The server's side

static int within(double value, double low, double high) { return isfinite(value) && value >= low && value <= high; }

static int signals_valid(const dsv_signals *s) {
    return within(s->mean_brightness, 0, 255) && within(s->bright_level, 0, 255) && within(s->dark_share, 0, 1) &&
           within(s->clipped_share, 0, 1) && within(s->sharpness, 0, INFINITY) && within(s->weaker_sharpness, 0, INFINITY);
}

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
    helper->fd = helper->memory = -1;
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair)) {
        snprintf(err, err_length, "socketpair: %s", strerror(errno));
        return -1;
    }
    // The image goes through shared memory, not the socket: one copy instead of two, and pages
    // the helper maps already filled rather than fresh ones it must fault in (BENCHMARKS.md).
    int image = memfd_create("doorstep-image", MFD_CLOEXEC);
    // The child's ends are moved above 4 first: dup2 onto the same number would keep close-on-exec.
    int child = fcntl(pair[1], F_DUPFD_CLOEXEC, 10);
    int failure = child < 0 || image < 0 ? errno : 0;
    int memory = image < 0 ? -1 : fcntl(image, F_DUPFD_CLOEXEC, 10);
    if (!failure && memory < 0) failure = errno;
    // The helper gets a read-only opening of its own: it can neither write nor grow the file, nor
    // change how the server's opening writes (O_APPEND is per opening).
    int reading = -1;
    if (!failure) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", memory);
        int opened = open(path, O_RDONLY | O_CLOEXEC);
        reading = opened < 0 ? -1 : fcntl(opened, F_DUPFD_CLOEXEC, 10);
        if (reading < 0) failure = errno;
        if (opened >= 0) close(opened);
    }
    close(pair[1]);
    if (image >= 0) close(image);
    if (failure) {
        snprintf(err, err_length, "starting the decoder helper: %s", strerror(failure));
        close(pair[0]);
        if (child >= 0) close(child);
        if (memory >= 0) close(memory);
        if (reading >= 0) close(reading);
        return -1;
    }
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    char library_path[PATH_MAX + 32] = "";
    const char *libraries = getenv("LD_LIBRARY_PATH");
    if (libraries && strlen(libraries) < PATH_MAX) snprintf(library_path, sizeof(library_path), "LD_LIBRARY_PATH=%s", libraries);
    // Two malloc arenas: the helper runs one job at a time, and each arena reserves address space.
    // No Swift crash backtracer: it would start a program, which the helper may not.
    // TZ: nothing in a helper may open /etc/localtime (lcms asks for the time on CMYK profiles).
    char *environment[] = {"MALLOC_ARENA_MAX=2", "SWIFT_BACKTRACE=enable=no", "TZ=UTC", library_path[0] ? library_path : NULL, NULL};
    pid_t pid = 0;
    // Every step is checked: a helper that kept the server's descriptors must not start at all.
    failure = posix_spawn_file_actions_init(&actions);
    if (!failure) {
        failure = posix_spawnattr_init(&attributes);
        if (!failure) {
            failure = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
                || posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
                || posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
                || posix_spawn_file_actions_adddup2(&actions, child, CHANNEL_FD)
                || posix_spawn_file_actions_adddup2(&actions, reading, IMAGE_FD)
                // Nothing else of the server's (database files, listening sockets, other helpers' sockets).
                || posix_spawn_file_actions_addclosefrom_np(&actions, IMAGE_FD + 1)
                || posix_spawnattr_setsigdefault(&attributes, &all)
                || posix_spawnattr_setsigmask(&attributes, &none)
                // A session of its own: no signal for the server's process group reaches it, and none
                // it could send to "its group" reaches the server.
                || posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID);
            if (!failure) failure = posix_spawn(&pid, argv[0], &actions, &attributes, (char *const *)argv, environment);
            posix_spawnattr_destroy(&attributes);
        }
        posix_spawn_file_actions_destroy(&actions);
    }
    close(child);
    close(reading);
    if (failure || pid <= 0) {
        snprintf(err, err_length, "starting the decoder helper %s: %s", argv[0], strerror(failure ? failure : EINVAL));
        close(pair[0]);
        close(memory);
        return -1;
    }
    fcntl(pair[0], F_SETFL, fcntl(pair[0], F_GETFL) | O_NONBLOCK);
    // The helper says it is ready once libvips has started and its sandbox holds; a helper that
    // cannot (no seccomp here, libvips missing) is an error now, at start, not a 422 per upload.
    // 30 s: a start takes well under a second of CPU, but a saturated machine may give it little.
    uint32_t ready = 0;
    if (transfer(pair[0], &ready, sizeof(ready), 0, now_ms() + 30000) || ready != MAGIC) {
        int status = 0;
        kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        close(pair[0]);
        close(memory);
        const char *why = WIFEXITED(status) && WEXITSTATUS(status) == 70 ? " (libvips did not start)"
                        : WIFEXITED(status) && WEXITSTATUS(status) == 71 ? " (its sandbox could not be set up: seccomp)" : "";
        if (WIFEXITED(status)) snprintf(err, err_length, "the decoder helper %s exited with status %d%s", argv[0], WEXITSTATUS(status), why);
        else snprintf(err, err_length, "the decoder helper %s did not start (signal %d)", argv[0], WTERMSIG(status));
        return -1;
    }
    helper->pid = pid;
    helper->fd = pair[0];
    helper->memory = memory;
    return 0;
}

void dsv_helper_stop(dsv_helper *helper) {
    if (helper->pid > 0) {
        kill(helper->pid, SIGKILL);
        while (waitpid(helper->pid, NULL, 0) < 0 && errno == EINTR) {}
    }
    if (helper->fd >= 0) close(helper->fd);
    if (helper->memory >= 0) close(helper->memory);
    helper->pid = 0;
    helper->fd = -1;
    helper->memory = -1;
    helper->memory_size = 0;
}

int dsv_helper_exited(dsv_helper *helper) {
    if (helper->pid <= 0) return 1;
    if (waitpid(helper->pid, NULL, WNOHANG) != helper->pid) return 0;
    helper->pid = 0;
    dsv_helper_stop(helper);
    return 1;
}

// Drops the image from the helper's memory file once its job is over: no upload's original
// lingers in memory between jobs, nor is left for the next job's helper to read.
static void clear_image(dsv_helper *helper) {
    if (helper->memory >= 0 && helper->memory_size > 0)
        fallocate(helper->memory, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, (off_t)helper->memory_size);
}

// Writes the image into the helper's memory file, grown (never shrunk: the size stays that of
// the largest image this helper was given, at most the upload limit; the pages go with each job)
// to hold it.
static int put_image(dsv_helper *helper, const void *data, size_t length) {
    if (length > helper->memory_size) {
        size_t size = (length + (1u << 20) - 1) & ~(size_t)((1u << 20) - 1);
        if (ftruncate(helper->memory, (off_t)size)) return -1;
        helper->memory_size = size;
    }
    for (size_t done = 0; done < length;) {
        ssize_t n = pwrite(helper->memory, (const char *)data + done, length - done, (off_t)done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        done += (size_t)n;
    }
    return 0;
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
    request ask = {MAGIC, (int32_t)job->format, job->display_max, job->thumbnail_max, job->quality, job->detect_max, job->budget_ms, 0,
                   job->max_pixels, (uint64_t)length};
    response answer;
    helper->jobs++;
    // A helper that speaks before it is asked is not to be trusted with this job (nor with any).
    struct pollfd unasked = {helper->fd, POLLIN, 0};
    if (poll(&unasked, 1, 0) != 0) return lost(helper, output, wait_status);
    if (length == 0 || length > MAX_REQUEST) return lost(helper, output, wait_status);
    if (put_image(helper, data, length)) {
        clear_image(helper);
        return DSV_JOB_NO_MEMORY;
    }
    int sent = transfer(helper->fd, &ask, sizeof(ask), 1, deadline) == 0 &&
               transfer(helper->fd, &answer, sizeof(answer), 0, deadline) == 0 && answer.magic == MAGIC;
    // The helper has answered (or failed): it reads the image no more.
    clear_image(helper);
    if (!sent) return lost(helper, output, wait_status);
    if (answer.status == DSV_JOB_UNDECODABLE || answer.status == DSV_JOB_TOO_MANY_PIXELS) return (dsv_job_result)answer.status;
    // A helper is as untrusted as its input: nothing it says is used before it is checked.
    if (answer.status != DSV_JOB_DONE || answer.display_length == 0 || answer.display_length > MAX_DISPLAY ||
        answer.thumbnail_length == 0 || answer.thumbnail_length > MAX_THUMBNAIL ||
        answer.display_width < 1 || answer.display_width > job->display_max || answer.display_height < 1 ||
        answer.display_height > job->display_max || answer.thumbnail_width < 1 || answer.thumbnail_width > job->thumbnail_max ||
        answer.thumbnail_height < 1 || answer.thumbnail_height > job->thumbnail_max ||
        answer.header.width < 1 || answer.header.height < 1 ||
        (int64_t)answer.header.width * answer.header.height > job->max_pixels ||
        answer.header.orientation < 1 || answer.header.orientation > 8 ||
        !signals_valid(&answer.signals) || answer.faces < 0 || answer.people < 0 ||
        answer.faces + (int64_t)answer.people > DSV_MAX_REGIONS ||
        (answer.header.has_gps && (!isfinite(answer.header.gps_latitude) || !isfinite(answer.header.gps_longitude)))) {
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
    output->signals = answer.signals;
    output->dhash = answer.dhash;
    output->faces = answer.faces;
    output->people = answer.people;
    return DSV_JOB_DONE;
}

// MARK: - The helper's side

#if defined(__x86_64__)
#define AUDIT_ARCH_HERE AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AUDIT_ARCH_HERE AUDIT_ARCH_AARCH64
#endif

// A seccomp program, built instruction by instruction; the accumulator holds the system call
// number between blocks, and every block that matches ends in a verdict.
typedef struct {
    struct sock_filter code[256];
    unsigned short length;
} filter;

static void emit(filter *f, struct sock_filter instruction) {
    if (f->length < sizeof(f->code) / sizeof(f->code[0])) f->code[f->length] = instruction;
    f->length++;  // past the end: refused when installed
}

static void refuse(filter *f, long nr) {
    emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 1));
    emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM));
}

// Calls whose first argument names a process: allowed on the helper itself only (and on "the
// caller" as 0 where `zero_is_self`), so a helper cannot signal, throttle or re-limit the server.
static void self_only(filter *f, long nr, pid_t self, int zero_is_self) {
    emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, zero_is_self ? 5 : 4));
    emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])));
    emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)self, zero_is_self ? 2 : 1, 0));
    if (zero_is_self) emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0));
    emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM));
    emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
}

// Decoding needs memory, threads and the socket it was given. Everything else a program can ask
// of the kernel that reaches beyond the helper is refused: the network, files (the data folder,
// the keys, and /proc/<server>/mem, which the same user could otherwise write), new programs and
// processes, other processes (signals, limits, scheduling, their memory), namespaces, BPF.
static int refuse_escapes(void) {
#ifdef AUDIT_ARCH_HERE
    pid_t self = getpid();
    filter f = {.length = 0};
    emit(&f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
    emit(&f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_HERE, 1, 0));
    emit(&f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
    emit(&f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
#if defined(__x86_64__)
    // x32 system calls reach the same kernel code under other numbers.
    emit(&f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1));
    emit(&f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
#endif
    static const long refused[] = {
        __NR_socket, __NR_socketpair, __NR_connect, __NR_bind, __NR_listen, __NR_accept, __NR_accept4,
        __NR_execve, __NR_execveat, __NR_ptrace, __NR_process_vm_readv, __NR_process_vm_writev,
        __NR_io_uring_setup, __NR_pidfd_open, __NR_pidfd_getfd, __NR_pidfd_send_signal, __NR_kcmp,
        __NR_unshare, __NR_setns, __NR_bpf, __NR_perf_event_open, __NR_userfaultfd, __NR_keyctl,
        __NR_add_key, __NR_request_key, __NR_setpriority, __NR_ioprio_set,
        __NR_openat, __NR_openat2, __NR_open_by_handle_at, __NR_name_to_handle_at, __NR_truncate, __NR_ftruncate,
        __NR_unlinkat, __NR_renameat, __NR_renameat2, __NR_linkat, __NR_symlinkat, __NR_mkdirat, __NR_mknodat,
        __NR_fchmod, __NR_fchmodat, __NR_fchown, __NR_fchownat, __NR_memfd_create, __NR_fallocate,
#if defined(__x86_64__)
        __NR_fork, __NR_vfork, __NR_open, __NR_creat, __NR_unlink, __NR_rename, __NR_link, __NR_symlink,
        __NR_mkdir, __NR_rmdir, __NR_mknod, __NR_chmod, __NR_chown, __NR_lchown,
#endif
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) refuse(&f, refused[i]);
    self_only(&f, __NR_kill, self, 0);  // kill(0, …) is the whole process group
    self_only(&f, __NR_tgkill, self, 0);
    self_only(&f, __NR_tkill, self, 0);
    self_only(&f, __NR_rt_sigqueueinfo, self, 0);
    self_only(&f, __NR_rt_tgsigqueueinfo, self, 0);
    self_only(&f, __NR_prlimit64, self, 1);
    self_only(&f, __NR_sched_setaffinity, self, 1);
    self_only(&f, __NR_sched_setscheduler, self, 1);
    self_only(&f, __NR_sched_setparam, self, 1);
    self_only(&f, __NR_sched_setattr, self, 1);
    self_only(&f, __NR_migrate_pages, self, 1);
    self_only(&f, __NR_move_pages, self, 1);
    // clone3's flags sit behind a pointer a filter cannot read: refused as unknown, and glibc
    // falls back to clone, whose flags it can. clone: threads only, never a new process.
    emit(&f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1));
    emit(&f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS));
    emit(&f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 3));
    emit(&f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])));
    emit(&f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 1, 0));
    emit(&f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM));
    emit(&f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    if (f.length > sizeof(f.code) / sizeof(f.code[0])) return -1;
    struct sock_fprog program = {f.length, f.code};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) return -1;
    // TSYNC: a thread started before this point would get the filter too (none is today: libvips
    // starts its workers at the first job, and threads inherit the filter). SPEC_ALLOW: without it the kernel turns on Speculative Store Bypass Disable for a
    // filtered process, which cost decoding 10-25 % here; it protects a process's memory from code
    // the process runs itself (a browser's scripts), and a helper taken over already holds its
    // image and nothing else.
    if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_SPEC_ALLOW, &program)) return -1;
    // Checked, not assumed: a helper whose filter did not take refuses to serve.
    if (socket(AF_INET, SOCK_STREAM, 0) >= 0 || errno != EPERM) return -1;
    if (open("/proc/self/status", O_RDONLY) >= 0 || errno != EPERM) return -1;
    if (kill(getppid(), 0) == 0 || errno != EPERM) return -1;
    return 0;
#else
    return -1;  // no filter written for this architecture: refuse to decode rather than run unconfined
#endif
}

static void limit(int resource, rlim_t value) {
    struct rlimit bound = {value, value};
    setrlimit(resource, &bound);
}

// The helper's side of the socket blocks, so `transfer` never waits in poll here: no deadline.
static int receive(void *buffer, size_t length) { return transfer(CHANNEL_FD, buffer, length, 0, INT64_MAX); }
static int answer_with(const void *buffer, size_t length) { return transfer(CHANNEL_FD, (void *)buffer, length, 1, INT64_MAX); }

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
    // Under memory pressure the kernel ends a helper (one upload's 422), not the server.
    int oom = open("/proc/self/oom_score_adj", O_WRONLY);
    if (oom >= 0) {
        if (write(oom, "1000", 4) < 0) {}
        close(oom);
    }
    limit(RLIMIT_CORE, 0);
    limit(RLIMIT_FSIZE, 0);  // also keeps it from growing its image memory file
    limit(RLIMIT_NOFILE, 16);
    if (memory_mb > 0) limit(RLIMIT_AS, (rlim_t)memory_mb << 20);
    if (refuse_escapes()) _exit(71);
    uint32_t ready = MAGIC;
    if (answer_with(&ready, sizeof(ready))) _exit(0);

    for (;;) {
        request ask;
        if (receive(&ask, sizeof(ask))) _exit(0);  // the server closed the socket: done
        if (ask.magic != MAGIC || ask.length == 0 || ask.length > MAX_REQUEST || ask.budget_ms <= 0) _exit(72);
        // The server wrote the image into the memory file before asking; mapped, not copied.
        void *data = mmap(NULL, ask.length, PROT_READ, MAP_SHARED | MAP_POPULATE, IMAGE_FD, 0);
        if (data == MAP_FAILED) _exit(73);
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
                                   ask.display_max, ask.thumbnail_max, ask.quality, ask.detect_max, ask.budget_ms, &output, message,
                                   sizeof(message)) == 0) {
                answer.status = DSV_JOB_DONE;
                answer.display_width = output.display_width;
                answer.display_height = output.display_height;
                answer.thumbnail_width = output.thumbnail_width;
                answer.thumbnail_height = output.thumbnail_height;
                answer.display_length = output.display_length;
                answer.thumbnail_length = output.thumbnail_length;
                answer.signals = output.signals;
                answer.dhash = output.dhash;
                answer.faces = output.faces;
                answer.people = output.people;
            }
        }
        arm(cpu_timer, 0);
        munmap(data, ask.length);
        int failed = answer_with(&answer, sizeof(answer)) ||
                     (answer.status == DSV_JOB_DONE && (answer_with(output.display, output.display_length) ||
                                                        answer_with(output.thumbnail, output.thumbnail_length)));
        dsv_free(output.display);
        dsv_free(output.thumbnail);
        if (failed) _exit(0);
    }
}
