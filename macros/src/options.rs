//! The attribute's options: `start_paused = bool`, `debug = bool`, `workers = N`, `crate = "path"`.

use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Lit, MetaNameValue, Path, Token};

/// What the attribute was given.
pub(crate) struct Options {
    /// `None` lets the loop's own default (the `TULIP_DEBUG` variable) decide.
    pub(crate) debug: Option<bool>,
    pub(crate) start_paused: bool,
    /// `Some(n)`: run on the multi-core runtime with `n` workers instead of one loop on this thread.
    pub(crate) workers: Option<usize>,
    /// The path of the tulip crate in the expansion.
    pub(crate) krate: Path,
}

impl Options {
    /// Parses `key = value, ...`; every problem is one `syn::Error` pointing at the offending token.
    pub(crate) fn parse(args: TokenStream) -> syn::Result<Options> {
        let mut opts = Options {
            debug: None,
            start_paused: false,
            workers: None,
            krate: syn::parse_quote!(::tulip),
        };
        let mut seen_paused = false;
        let mut seen_crate = false;
        let pairs = Punctuated::<MetaNameValue, Token![,]>::parse_terminated
            .parse2(args)
            .map_err(|e| {
                syn::Error::new(
                    e.span(),
                    format!("{e}; expected options as `key = value`, e.g. `start_paused = true`"),
                )
            })?;
        for pair in pairs {
            let key = pair
                .path
                .get_ident()
                .map(|i| i.to_string())
                .unwrap_or_default();
            match key.as_str() {
                "debug" => {
                    if opts.debug.is_some() {
                        return Err(duplicate(&pair));
                    }
                    opts.debug = Some(bool_value(&pair.value, "debug")?);
                }
                "start_paused" => {
                    if seen_paused {
                        return Err(duplicate(&pair));
                    }
                    seen_paused = true;
                    opts.start_paused = bool_value(&pair.value, "start_paused")?;
                }
                "crate" => {
                    if seen_crate {
                        return Err(duplicate(&pair));
                    }
                    seen_crate = true;
                    opts.krate = path_value(&pair.value)?;
                }
                "workers" => {
                    if opts.workers.is_some() {
                        return Err(duplicate(&pair));
                    }
                    opts.workers = Some(workers_value(&pair.value)?);
                }
                "flavor" | "worker_threads" => {
                    return Err(syn::Error::new_spanned(
                        &pair.path,
                        format!(
                            "`{key}` is not an option of tulip's entry points: one loop runs on this \
                             thread by default; `workers = N` runs the multi-core runtime with N workers"
                        ),
                    ));
                }
                _ => {
                    return Err(syn::Error::new_spanned(
                        &pair.path,
                        "unknown option; the options are `start_paused = bool`, `debug = bool`, \
                         `workers = N` and `crate = \"path\"`",
                    ));
                }
            }
        }
        Ok(opts)
    }
}

fn duplicate(pair: &MetaNameValue) -> syn::Error {
    syn::Error::new_spanned(&pair.path, "this option is given twice")
}

fn bool_value(value: &Expr, key: &str) -> syn::Result<bool> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => Ok(b.value),
        _ => Err(syn::Error::new_spanned(
            value,
            format!("`{key}` takes `true` or `false`"),
        )),
    }
}

fn workers_value(value: &Expr) -> syn::Result<usize> {
    let err = || {
        syn::Error::new_spanned(
            value,
            "`workers` takes a whole number of worker threads, at least 1, e.g. `workers = 4`",
        )
    };
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(n), ..
        }) => match n.base10_parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(err()),
        },
        _ => Err(err()),
    }
}

fn path_value(value: &Expr) -> syn::Result<Path> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => s.parse::<Path>().map_err(|_| {
            syn::Error::new_spanned(
                s,
                "`crate` takes a path in a string, e.g. `crate = \"::tulip\"`",
            )
        }),
        _ => Err(syn::Error::new_spanned(
            value,
            "`crate` takes a path in a string, e.g. `crate = \"::tulip\"`",
        )),
    }
}
