# Sourced by build.sh and gpu-check.sh for --self-contained: sets rid to this machine's runtime identifier, appends
# -<rid> to the output folder $out, and adds to the publish flags $publish the runtime and RetrainRuntime (which gives
# every project obj/bin folders of its own, Directory.Build.props).
case "$(uname -m)" in
  x86_64) rid=linux-x64 ;;
  aarch64) rid=linux-arm64 ;;
  *) echo "$(basename "$0"): --self-contained knows linux-x64 and linux-arm64, not $(uname -m)" >&2; exit 2 ;;
esac
out="$out-$rid"
publish+=(-r "$rid" --self-contained -p:RetrainRuntime="$rid")
