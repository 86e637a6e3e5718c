//! `getnameinfo`: a socket address to a host and a service name, resolved on the blocking pool.
//!
//! The one `unsafe` here is the libc call and the `sockaddr` it reads: the address is built in a
//! zeroed `sockaddr_storage`, which is large and aligned enough for every address family, and the
//! output buffers are passed with their true lengths.

use std::ffi::CStr;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::ops::BitOr;

/// Flags of [`getnameinfo`], combined with `|`.
///
/// **asyncio:** the `socket.NI_*` constants passed as `flags` to `loop.getnameinfo(sockaddr, flags)`.
///
/// # Examples
///
/// ```
/// use tulip_core::NameInfoFlags;
/// let f = NameInfoFlags::NUMERICHOST | NameInfoFlags::NUMERICSERV;
/// assert!(f.contains(NameInfoFlags::NUMERICSERV));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NameInfoFlags(i32);

impl NameInfoFlags {
    /// No flag: look both names up.
    ///
    /// **asyncio:** `flags=0`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::NameInfoFlags;
    /// assert_eq!(NameInfoFlags::NONE, NameInfoFlags::default());
    /// ```
    pub const NONE: NameInfoFlags = NameInfoFlags(0);
    /// The host as a numeric address (`socket.NI_NUMERICHOST`).
    ///
    /// **asyncio:** `socket.NI_NUMERICHOST`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::NameInfoFlags;
    /// assert!(!NameInfoFlags::NONE.contains(NameInfoFlags::NUMERICHOST));
    /// ```
    pub const NUMERICHOST: NameInfoFlags = NameInfoFlags(libc::NI_NUMERICHOST);
    /// The service as a port number (`socket.NI_NUMERICSERV`).
    ///
    /// **asyncio:** `socket.NI_NUMERICSERV`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::NameInfoFlags;
    /// assert!(!NameInfoFlags::NONE.contains(NameInfoFlags::NUMERICSERV));
    /// ```
    pub const NUMERICSERV: NameInfoFlags = NameInfoFlags(libc::NI_NUMERICSERV);
    /// Fail when the host has no name, instead of giving the numeric form (`socket.NI_NAMEREQD`).
    ///
    /// **asyncio:** `socket.NI_NAMEREQD`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::NameInfoFlags;
    /// assert!(!NameInfoFlags::NONE.contains(NameInfoFlags::NAMEREQD));
    /// ```
    pub const NAMEREQD: NameInfoFlags = NameInfoFlags(libc::NI_NAMEREQD);
    /// Only the host part of a local host's name (`socket.NI_NOFQDN`).
    ///
    /// **asyncio:** `socket.NI_NOFQDN`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::NameInfoFlags;
    /// assert!(!NameInfoFlags::NONE.contains(NameInfoFlags::NOFQDN));
    /// ```
    pub const NOFQDN: NameInfoFlags = NameInfoFlags(libc::NI_NOFQDN);
    /// The service is a datagram one (`socket.NI_DGRAM`).
    ///
    /// **asyncio:** `socket.NI_DGRAM`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::NameInfoFlags;
    /// assert!(!NameInfoFlags::NONE.contains(NameInfoFlags::DGRAM));
    /// ```
    pub const DGRAM: NameInfoFlags = NameInfoFlags(libc::NI_DGRAM);

    /// Whether every flag of `other` is set in `self`.
    ///
    /// **asyncio:** `flags & other == other`.
    ///
    /// # Examples
    ///
    /// ```
    /// use tulip_core::NameInfoFlags;
    /// assert!(!NameInfoFlags::NONE.contains(NameInfoFlags::DGRAM));
    /// ```
    pub fn contains(self, other: NameInfoFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for NameInfoFlags {
    type Output = NameInfoFlags;
    fn bitor(self, rhs: NameInfoFlags) -> NameInfoFlags {
        NameInfoFlags(self.0 | rhs.0)
    }
}

impl fmt::Debug for NameInfoFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NameInfoFlags({:#x})", self.0)
    }
}

/// The host and service names of `addr`, looked up on the blocking pool (the loop keeps running).
///
/// **asyncio:** `await loop.getnameinfo(sockaddr, flags)`, which runs `socket.getnameinfo` in the
/// default executor. Differences: `addr` is a `SocketAddr` (the IPv6 flow info and scope id are kept);
/// `flags` are [`NameInfoFlags`].
///
/// # Errors
///
/// `NotFound` when a name is required ([`NameInfoFlags::NAMEREQD`]) and there is none; `InvalidInput`
/// for bad flags or an unsupported family; the OS error for a system failure; otherwise an `Other`
/// error carrying the resolver's message (a temporary DNS failure, for instance).
///
/// # Examples
///
/// ```
/// use tulip_core::NameInfoFlags;
/// tulip_core::run(async {
///     let flags = NameInfoFlags::NUMERICHOST | NameInfoFlags::NUMERICSERV;
///     let addr = "127.0.0.1:8080".parse().unwrap();
///     let (host, service) = tulip_core::getnameinfo(addr, flags).await.unwrap();
///     assert_eq!((host.as_str(), service.as_str()), ("127.0.0.1", "8080"));
/// });
/// ```
pub async fn getnameinfo(addr: SocketAddr, flags: NameInfoFlags) -> io::Result<(String, String)> {
    crate::spawn_blocking(move || getnameinfo_blocking(&addr, flags)).await
}

/// The `sockaddr` of `addr`, in storage big enough for any family.
fn raw_addr(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: `sockaddr_storage` is a plain C struct of integers and byte arrays: all zeroes is a valid
    // value of it.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            // SAFETY: `sockaddr_storage` is at least as large and as aligned as `sockaddr_in` (that is
            // its purpose), and the zeroed bytes are a valid `sockaddr_in`.
            let sin = unsafe { &mut *(&mut storage as *mut _ as *mut libc::sockaddr_in) };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_port = a.port().to_be();
            sin.sin_addr = libc::in_addr {
                s_addr: u32::from_ne_bytes(a.ip().octets()),
            };
            std::mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            // SAFETY: as above, for `sockaddr_in6`.
            let sin6 = unsafe { &mut *(&mut storage as *mut _ as *mut libc::sockaddr_in6) };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_port = a.port().to_be();
            sin6.sin6_flowinfo = a.flowinfo();
            sin6.sin6_addr = libc::in6_addr {
                s6_addr: a.ip().octets(),
            };
            sin6.sin6_scope_id = a.scope_id();
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

fn getnameinfo_blocking(addr: &SocketAddr, flags: NameInfoFlags) -> io::Result<(String, String)> {
    let (storage, len) = raw_addr(addr);
    let mut host = [0 as libc::c_char; libc::NI_MAXHOST as usize];
    let mut serv = [0 as libc::c_char; 32];
    // SAFETY: `storage` holds a valid `sockaddr` of `len` bytes (see `raw_addr`); `host` and `serv` are
    // writable buffers of the lengths passed; getnameinfo writes NUL-terminated strings into them.
    let rc = unsafe {
        libc::getnameinfo(
            &storage as *const _ as *const libc::sockaddr,
            len,
            host.as_mut_ptr(),
            host.len() as libc::socklen_t,
            serv.as_mut_ptr(),
            serv.len() as libc::socklen_t,
            flags.0,
        )
    };
    if rc != 0 {
        return Err(resolver_error(rc));
    }
    // SAFETY: on success both buffers hold NUL-terminated strings within their lengths.
    let (h, s) = unsafe { (CStr::from_ptr(host.as_ptr()), CStr::from_ptr(serv.as_ptr())) };
    Ok((
        h.to_string_lossy().into_owned(),
        s.to_string_lossy().into_owned(),
    ))
}

/// An `EAI_*` code as an `io::Error`.
#[cold]
fn resolver_error(rc: libc::c_int) -> io::Error {
    if rc == libc::EAI_SYSTEM {
        return io::Error::last_os_error();
    }
    // SAFETY: gai_strerror returns a pointer to a static NUL-terminated message for any code.
    let msg = unsafe { CStr::from_ptr(libc::gai_strerror(rc)) }
        .to_string_lossy()
        .into_owned();
    let kind = match rc {
        libc::EAI_NONAME => io::ErrorKind::NotFound,
        libc::EAI_BADFLAGS | libc::EAI_FAMILY => io::ErrorKind::InvalidInput,
        _ => io::ErrorKind::Other,
    };
    io::Error::new(kind, format!("getnameinfo: {msg}"))
}
