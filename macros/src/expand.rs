//! The expansion shared by both attributes, and the checks that give misuse a clear error.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::ItemFn;

use crate::options::Options;

/// Which attribute is expanding.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Main,
    Test,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Main => "#[tulip::main]",
            Kind::Test => "#[tulip::test]",
        }
    }
}

/// Expands `item` under `args`; on misuse, a `compile_error!` plus a placeholder of the function with the
/// same name (so the error is the only one reported, not also "no `main` function").
pub(crate) fn entry(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            let err =
                syn::Error::new_spanned(&item, format!("{} applies to an `async fn`", kind.name()));
            return err.to_compile_error();
        }
    };
    match Options::parse(args).and_then(|opts| check(kind, &func).map(|()| opts)) {
        Ok(opts) => expand(kind, &opts, func),
        Err(err) => {
            let mut out = err.to_compile_error();
            out.extend(placeholder(kind, func));
            out
        }
    }
}

/// Every rule an entry-point function must follow, each with the span of what breaks it.
fn check(kind: Kind, func: &ItemFn) -> syn::Result<()> {
    let sig = &func.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new(
            sig.fn_token.span,
            format!(
                "the `async` keyword is missing from the function declaration: {} runs an \
                 `async fn`",
                kind.name()
            ),
        ));
    }
    if !sig.inputs.is_empty() {
        return Err(syn::Error::new(
            sig.inputs.span(),
            format!("{} functions take no arguments", kind.name()),
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        return Err(syn::Error::new_spanned(
            &sig.generics,
            format!("{} functions cannot be generic", kind.name()),
        ));
    }
    if let Some(c) = &sig.constness {
        return Err(syn::Error::new_spanned(
            c,
            "an entry point cannot be `const`",
        ));
    }
    if let Some(u) = &sig.unsafety {
        return Err(syn::Error::new_spanned(
            u,
            "an entry point cannot be `unsafe`",
        ));
    }
    if let Some(abi) = &sig.abi {
        return Err(syn::Error::new_spanned(
            abi,
            "an entry point cannot be `extern`",
        ));
    }
    if let Some(v) = &sig.variadic {
        return Err(syn::Error::new_spanned(
            v,
            "an entry point cannot be variadic",
        ));
    }
    if kind == Kind::Test {
        for attr in &func.attrs {
            let last = attr.path().segments.last().map(|s| s.ident.to_string());
            if last.as_deref() == Some("test") {
                return Err(syn::Error::new_spanned(
                    attr,
                    "a second test attribute: #[tulip::test] already makes this a `#[test]`; \
                     remove this one",
                ));
            }
        }
    }
    Ok(())
}

fn expand(kind: Kind, opts: &Options, func: ItemFn) -> TokenStream {
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = func;
    let name = &sig.ident;
    let output = &sig.output;
    let krate = &opts.krate;
    let debug = match opts.debug {
        Some(on) => quote!(::core::option::Option::Some(#on)),
        None => quote!(::core::option::Option::None),
    };
    let paused = opts.start_paused;
    let test_attr = match kind {
        Kind::Main => quote!(),
        Kind::Test => quote!(#[::core::prelude::v1::test]),
    };
    // The call carries the span of the function's name, so a type error in the return value (e.g. a
    // `Result` whose error is not `Debug`) points at the user's function.
    let options = quote!(#krate::__macro_support::Options { debug: #debug, start_paused: #paused });
    let call = match opts.workers {
        None => quote_spanned! {name.span()=>
            #krate::__macro_support::run(#options, __tulip_body())
        },
        // The body is made on worker 0 (the fn item is `Send`, the future it returns need not be).
        Some(n) => quote_spanned! {name.span()=>
            #krate::__macro_support::run_workers(#options, #n, __tulip_body)
        },
    };
    quote! {
        #test_attr
        #(#attrs)*
        #vis fn #name() #output {
            async fn __tulip_body() #output #block
            #call
        }
    }
}

/// The function without `async` and with a body that type-checks whatever it returns: shown only next to
/// an error, so that error is the only one.
fn placeholder(kind: Kind, func: ItemFn) -> TokenStream {
    let mut sig = func.sig;
    sig.asyncness = None;
    let attrs = func.attrs;
    let vis = func.vis;
    let test_attr = match kind {
        Kind::Main => quote!(),
        // No `#[test]` here: a placeholder must not run.
        Kind::Test => quote!(#[allow(dead_code)]),
    };
    let mut out = quote!(#test_attr #(#attrs)* #vis);
    sig.to_tokens(&mut out);
    out.extend(quote!({ ::core::unreachable!() }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(kind: Kind, args: &str, item: &str) -> String {
        entry(kind, args.parse().unwrap(), item.parse().unwrap()).to_string()
    }

    #[test]
    fn main_runs_the_body_through_the_facade() {
        let out = expand_str(Kind::Main, "", "async fn main() { }");
        assert!(out.contains("async fn __tulip_body"), "{out}");
        assert!(out.contains(":: tulip :: __macro_support :: run"), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
        assert!(!out.contains("test"), "{out}");
    }

    #[test]
    fn options_reach_the_builder() {
        let out = expand_str(
            Kind::Test,
            "start_paused = true, debug = false",
            "async fn t() { }",
        );
        assert!(out.contains("start_paused : true"), "{out}");
        assert!(out.contains("Some (false)"), "{out}");
        assert!(
            out.contains("# [:: core :: prelude :: v1 :: test]"),
            "{out}"
        );
    }

    #[test]
    fn workers_option_runs_the_runtime() {
        let out = expand_str(Kind::Main, "workers = 3", "async fn main() { }");
        assert!(
            out.contains(":: tulip :: __macro_support :: run_workers"),
            "{out}"
        );
        assert!(out.contains("3usize , __tulip_body)"), "{out}");
        let out = expand_str(Kind::Main, "", "async fn main() { }");
        assert!(!out.contains("run_workers"), "{out}");
    }

    #[test]
    fn crate_option_changes_the_path() {
        let out = expand_str(Kind::Main, "crate = \"my_tulip\"", "async fn main() { }");
        assert!(out.contains("my_tulip :: __macro_support :: run"), "{out}");
    }

    #[test]
    fn misuse_is_a_compile_error() {
        for (kind, args, item, needle) in [
            (
                Kind::Main,
                "",
                "fn main() { }",
                "`async` keyword is missing",
            ),
            (
                Kind::Main,
                "",
                "async fn main(x: u8) { }",
                "take no arguments",
            ),
            (
                Kind::Main,
                "",
                "async fn main<T>() { }",
                "cannot be generic",
            ),
            (
                Kind::Main,
                "worker_threads = 2",
                "async fn main() { }",
                "`workers = N` runs the multi-core runtime",
            ),
            (
                Kind::Main,
                "workers = 0",
                "async fn main() { }",
                "at least 1",
            ),
            (
                Kind::Main,
                "workers = \"2\"",
                "async fn main() { }",
                "whole number",
            ),
            (
                Kind::Main,
                "workers = 2, workers = 3",
                "async fn main() { }",
                "given twice",
            ),
            (
                Kind::Main,
                "colour = 2",
                "async fn main() { }",
                "unknown option",
            ),
            (
                Kind::Main,
                "debug = 1",
                "async fn main() { }",
                "takes `true` or `false`",
            ),
            (
                Kind::Main,
                "debug = true, debug = false",
                "async fn main() { }",
                "given twice",
            ),
            (Kind::Main, "debug", "async fn main() { }", "key = value"),
            (
                Kind::Test,
                "",
                "#[test] async fn t() { }",
                "second test attribute",
            ),
            (Kind::Test, "", "struct S;", "applies to an `async fn`"),
        ] {
            let out = expand_str(kind, args, item);
            assert!(out.contains("compile_error"), "{item}: {out}");
            assert!(out.contains(needle), "{item}: expected {needle:?} in {out}");
        }
    }

    #[test]
    fn misused_test_expands_to_no_test() {
        let out = expand_str(Kind::Test, "", "async fn t(x: u8) { }");
        assert!(!out.contains("v1 :: test"), "{out}");
    }
}
