"""The seccomp profile of every job container: Docker's default allow-list, narrowed for sockets.

Why our own: with runc on cgroup v1 the kernel charges some socket memory to no container at
all. A netlink socket's receive queue is unaccounted slab (measured: ~8 MB of host SUnreclaim
per socket, the container's counter flat), and so are TCP and UDP buffers (~10 MB per loopback
connection with 4 MB buffers). An exercise needs none of that: its app listens on loopback TCP
and may use AF_UNIX. So, on top of what Docker's default profile refuses a container without
extra capabilities (mount, unshare, ptrace of others, bpf, keyrings, …):

- `socket()`: only AF_UNIX (any type) and AF_INET/AF_INET6 TCP streams. Netlink, packet,
  UDP, raw, SCTP, vsock, … are EPERM. glibc copes: getaddrinfo falls back when netlink is refused.
- `setsockopt(SOL_SOCKET, SO_SNDBUF | SO_RCVBUF | SO_SNDBUFFORCE | SO_RCVBUFFORCE)` is EPERM,
  so a socket's buffers are what the network namespace's sysctls allow (`hardening()` lowers
  `net.ipv4.tcp_rmem`/`tcp_wmem`); every other socket option goes through.
- `io_uring_*` is refused: no exercise needs it, and it is a large kernel surface.

Rules are ORed, a rule's argument checks ANDed, and libseccomp takes one check per argument in a
rule: that is why the allowed socket options are listed one by one.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

AF_UNIX, AF_INET, AF_INET6 = 1, 2, 10
SOCK_STREAM, SOCK_TYPE_MASK = 1, 0xF  # the type argument also carries SOCK_NONBLOCK/CLOEXEC
IPPROTO_TCP = 6  # protocol 0 means the same for a stream; SCTP, MPTCP, … are refused
SOL_SOCKET = 1
SO_SNDBUF, SO_RCVBUF, SO_SNDBUFFORCE, SO_RCVBUFFORCE = 7, 8, 32, 33
REFUSED_SOCKET_OPTIONS = frozenset({SO_SNDBUF, SO_RCVBUF, SO_SNDBUFFORCE, SO_RCVBUFFORCE})
SOCKET_OPTIONS_UP_TO = 127  # SOL_SOCKET options are numbered from 1; Linux 6.x ends in the 80s

# What a container without CAP_SYS_ADMIN & co. may call under Docker's default profile (x86-64
# and arm64 names; a name the kernel or libseccomp does not know is skipped), minus `socket`,
# `socketpair`, `setsockopt` (conditional, below) and io_uring.
_ALLOWED_NAMES = """
accept accept4 access adjtimex alarm arch_prctl bind brk capget capset chdir chmod chown
chown32 clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime
clock_gettime64 clock_nanosleep clock_nanosleep_time64 close close_range connect
copy_file_range creat dup dup2 dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old
epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old eventfd eventfd2 execve execveat exit
exit_group faccessat faccessat2 fadvise64 fadvise64_64 fallocate fanotify_mark fchdir fchmod
fchmodat fchown fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork
fremovexattr fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64
futex futex_time64 futex_waitv futimesat getcpu getcwd getdents getdents64 getegid getegid32
geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer getpeername getpgid getpgrp
getpid getppid getpriority getrandom getresgid getresgid32 getresuid getresuid32 getrlimit
get_robust_list getrusage getsid getsockname getsockopt get_thread_area gettid gettimeofday
getuid getuid32 getxattr inotify_add_watch inotify_init inotify_init1 inotify_rm_watch
io_cancel ioctl io_destroy io_getevents io_pgetevents io_pgetevents_time64 ioprio_get
ioprio_set io_setup io_submit ipc kill landlock_add_rule landlock_create_ruleset
landlock_restrict_self lchown lchown32 lgetxattr link linkat listen listxattr llistxattr
_llseek lremovexattr lseek lsetxattr lstat lstat64 madvise membarrier memfd_create
memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2 mlockall mmap mmap2 modify_ldt
mprotect mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend
mq_timedsend_time64 mq_unlink mremap msgctl msgget msgrcv msgsnd msync munlock munlockall
munmap name_to_handle_at nanosleep newfstatat _newselect open openat openat2 pause pidfd_open
pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect poll ppoll ppoll_time64 prctl
pread64 preadv preadv2 prlimit64 process_mrelease process_vm_readv process_vm_writev pselect6
pselect6_time64 ptrace pwrite64 pwritev pwritev2 read readahead readlink readlinkat readv recv
recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages removexattr rename renameat
renameat2 restart_syscall rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo
rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo
sched_getaffinity sched_getattr sched_getparam sched_get_priority_max sched_get_priority_min
sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64 sched_setaffinity
sched_setattr sched_setparam sched_setscheduler sched_yield seccomp select semctl semget semop
semtimedop semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg sendto setfsgid
setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setitimer setpgid
setpriority setregid setregid32 setresgid setresgid32 setresuid setresuid32 setreuid
setreuid32 setrlimit set_robust_list setsid set_thread_area set_tid_address setuid setuid32
setxattr shmat shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4 sigprocmask
sigreturn splice stat stat64 statfs statfs64 statx symlink symlinkat sync sync_file_range
syncfs sysinfo tee tgkill time timer_create timer_delete timer_getoverrun timer_gettime
timer_gettime64 timer_settime timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64
timerfd_settime timerfd_settime64 times tkill truncate truncate64 ugetrlimit umask uname unlink
unlinkat utime utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write
writev
"""
_ALLOWED = _ALLOWED_NAMES.split()

# clone() without namespace flags (CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET);
# clone3 passes its flags in memory seccomp cannot read: ENOSYS makes glibc fall back to clone.
_CLONE_NAMESPACE_FLAGS = 0x7E020000
_ENOSYS = 38
# personality(): the values Docker's default allows (PER_LINUX, UNAME26, ADDR_NO_RANDOMIZE, …).
_PERSONALITIES = (0x0, 0x8, 0x20000, 0x20008, 0xFFFFFFFF)


def _arg(index: int, op: str, value: int, value_two: int = 0) -> dict[str, Any]:
    return {"index": index, "value": value, "valueTwo": value_two, "op": op}


def _allow(name: str, *args: dict[str, Any]) -> dict[str, Any]:
    return {"names": [name], "action": "SCMP_ACT_ALLOW", "args": list(args)}


def profile() -> dict[str, Any]:
    """The profile as Docker's JSON format wants it (`security_opt=["seccomp=<json>"]`)."""
    eq = "SCMP_CMP_EQ"
    stream = _arg(1, "SCMP_CMP_MASKED_EQ", SOCK_TYPE_MASK, SOCK_STREAM)
    rules: list[dict[str, Any]] = [
        {"names": _ALLOWED, "action": "SCMP_ACT_ALLOW"},
        _allow("socket", _arg(0, eq, AF_UNIX)),
        *(
            _allow("socket", _arg(0, eq, family), stream, _arg(2, eq, protocol))
            for family in (AF_INET, AF_INET6)
            for protocol in (0, IPPROTO_TCP)
        ),
        _allow("socketpair", _arg(0, eq, AF_UNIX)),
        _allow("setsockopt", _arg(1, "SCMP_CMP_NE", SOL_SOCKET)),
        *(
            _allow("setsockopt", _arg(1, eq, SOL_SOCKET), _arg(2, eq, option))
            for option in range(1, SOCKET_OPTIONS_UP_TO + 1)
            if option not in REFUSED_SOCKET_OPTIONS
        ),
        _allow("clone", _arg(0, "SCMP_CMP_MASKED_EQ", _CLONE_NAMESPACE_FLAGS, 0)),
        {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": _ENOSYS},
        *(_allow("personality", _arg(0, eq, value)) for value in _PERSONALITIES),
    ]
    return {
        "defaultAction": "SCMP_ACT_ERRNO",
        "archMap": [
            {
                "architecture": "SCMP_ARCH_X86_64",
                "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"],
            },
            {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
        ],
        "syscalls": rules,
    }


@cache
def profile_json() -> str:
    return json.dumps(profile(), separators=(",", ":"))
