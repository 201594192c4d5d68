#!/usr/bin/env bash
# Packs KmemGen and KmemGen.AspNetCore from this checkout into a local folder feed, with a prerelease version no NuGet cache has
# seen (<Version>-local.<UTC yyyyMMddHHmmss>), so a restore can never be served an older build of the same
# version from ~/.nuget/packages. Prints how to use it; the last line is "version=<the version>".
#
#   eng/pack-local.sh [--feed DIR] [--help-link-base URL]
#
#   --feed DIR             where the .nupkg goes (default: $KMEMGEN_FEED, else ~/.kmemgen/feed)
#   --help-link-base URL   the diagnostics' help-link base (default: this checkout's docs/rules/ as a file: URI)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
feed=${KMEMGEN_FEED:-$HOME/.kmemgen/feed}
help_link_base=""
while [ $# -gt 0 ]; do
  case "$1" in
    --feed) feed=${2:?--feed needs a directory}; shift 2 ;;
    --help-link-base) help_link_base=${2:?--help-link-base needs a URL}; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "pack-local: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

mkdir -p "$feed"
feed=$(cd "$feed" && pwd)
project="$repo/src/KmemGen/KmemGen.csproj"
aspnetcore_project="$repo/src/KmemGen.AspNetCore/KmemGen.AspNetCore.csproj"
base_version=$(dotnet msbuild "$project" -nologo -getProperty:Version)
version="$base_version-local.$(date -u +%Y%m%d%H%M%S)"
if [ -e "$feed/KmemGen.$version.nupkg" ]; then
  echo "pack-local: $feed already has KmemGen $version; wait a second and run again" >&2
  exit 1
fi

# Restore as a normal build does, then pack without restoring: a version passed to restore would rewrite
# the checkout's obj/ assets. PackageVersion (not Version) names the package and leaves the assemblies'
# version alone, so an up-to-date Release build is reused. The per-version nuspec goes to a temp folder.
nuspec_dir=$(mktemp -d)
trap 'rm -rf "$nuspec_dir"' EXIT
pack_args=(-c Release --no-restore -o "$feed" "-p:PackageVersion=$version" "-p:NuspecOutputPath=$nuspec_dir/" -tl:off -nologo)
if [ -n "$help_link_base" ]; then pack_args+=("-p:KmemGenHelpLinkBase=$help_link_base"); fi
# KmemGen.AspNetCore is packed with the same version: its dependency on KmemGen then names this very build.
dotnet restore "$aspnetcore_project" -tl:off -nologo
dotnet pack "$project" "${pack_args[@]}"
dotnet pack "$aspnetcore_project" "${pack_args[@]}"

cat <<TEXT

Packed KmemGen and KmemGen.AspNetCore $version into $feed

In a project OUTSIDE this repository (inside it, the repository's Directory.Build.props and
Directory.Packages.props - central package versions, warnings as errors - would apply to it too):

  dotnet nuget add source "$feed" --name kmemgen-local    # once per machine
  dotnet add package KmemGen --version $version
  dotnet add package KmemGen.AspNetCore --version $version    # an ASP.NET Core server (docs/server.md)

version=$version
TEXT
